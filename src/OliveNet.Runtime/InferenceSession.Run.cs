using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime;

public sealed unsafe partial class InferenceSession
{
    /// <summary>
    /// Runs the model. Inputs are read in place (tensors over managed memory are not copied); outputs are allocated
    /// by ORT and owned by the returned list, in the order of <paramref name="outputNames"/>. Outputs stay valid after the
    /// inputs are disposed.
    /// </summary>
    /// <param name="inputs">Input name → value; the values stay owned by the caller.</param>
    /// <param name="outputNames">Outputs to compute, in the order wanted; null means all, in model order.</param>
    /// <param name="runOptions">Optional; lets another thread <see cref="RunOptions.Terminate"/> the call.</param>
    /// <exception cref="OrtException">ORT rejects an input (unknown name, wrong type or shape) or fails while running; the
    /// message is ORT's.</exception>
    public OrtValueList Run(IReadOnlyList<KeyValuePair<string, OrtValue>> inputs, IReadOnlyList<string>? outputNames = null, RunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var names = outputNames?.ToArray() ?? Outputs.Select(o => o.Name).ToArray();
        using var refs = new HandleRefs();
        var session = refs.Add(handle, this);
        var run = runOptions is null ? 0 : refs.Add(runOptions.Handle, runOptions);
        var inputHandles = new nint[inputs.Count];
        for (var i = 0; i < inputHandles.Length; i++)
        {
            inputHandles[i] = refs.Add(inputs[i].Value.Handle, inputs[i].Value);
        }

        using var inputNames = new Utf8StringArray(inputs.Select(kv => kv.Key).ToArray());
        using var outputNameArray = new Utf8StringArray(names);
        var outputs = new nint[names.Length];
        fixed (nint* inputPointer = inputHandles)
        fixed (nint* outputPointer = outputs)
        {
            var status = OrtApi.Run(session, run, inputNames.Pointer, inputPointer, (nuint)inputHandles.Length, outputNameArray.Pointer, (nuint)names.Length, outputPointer);
            if (status != 0)
            {
                foreach (var output in outputs)
                {
                    if (output != 0)
                    {
                        OrtApi.ReleaseValue(output);
                    }
                }

                OrtStatus.Check(status, $"Running {displayName} failed");
            }
        }

        // Outputs may share data with inputs (e.g. sequences passed through), so they pin the inputs' managed buffers too.
        var inputPins = inputs.SelectMany(kv => kv.Value.PinSources).ToArray();
        return new OrtValueList(outputs.Select(o => new OrtValue(new ValueHandle(o), inputPins)).ToArray(), names);
    }

    /// <summary>
    /// Runs the model into caller-chosen outputs: where <paramref name="outputs"/>[i] is set, ORT writes into that
    /// value (it must have the output's exact type and shape; the caller keeps owning it, and it may be the same
    /// value as an input, e.g. a KV cache buffer shared by past and present); where it is null, ORT allocates the
    /// output and the new value, owned by the caller, is stored there. New outputs do not keep the inputs' managed
    /// buffers pinned: keep those alive while an output may alias an input (pass-through outputs).
    /// </summary>
    /// <exception cref="ArgumentException">The two output lists differ in length.</exception>
    /// <exception cref="OrtException">ORT rejects an input or output, or fails while running.</exception>
    public void Run(IReadOnlyList<KeyValuePair<string, OrtValue>> inputs, IReadOnlyList<string> outputNames, OrtValue?[] outputs, RunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Length != outputNames.Count)
        {
            throw new ArgumentException($"{outputNames.Count} output names but {outputs.Length} output slots.", nameof(outputs));
        }

        using var refs = new HandleRefs();
        var session = refs.Add(handle, this);
        var run = runOptions is null ? 0 : refs.Add(runOptions.Handle, runOptions);
        var inputHandles = new nint[inputs.Count];
        for (var i = 0; i < inputHandles.Length; i++)
        {
            inputHandles[i] = refs.Add(inputs[i].Value.Handle, inputs[i].Value);
        }

        var outputHandles = new nint[outputs.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputHandles[i] = outputs[i] is { } given ? refs.Add(given.Handle, given) : 0;
        }

        using var inputNames = new Utf8StringArray(inputs.Select(kv => kv.Key).ToArray());
        using var outputNameArray = new Utf8StringArray([.. outputNames]);
        fixed (nint* inputPointer = inputHandles)
        fixed (nint* outputPointer = outputHandles)
        {
            var status = OrtApi.Run(session, run, inputNames.Pointer, inputPointer, (nuint)inputHandles.Length, outputNameArray.Pointer, (nuint)outputHandles.Length, outputPointer);
            if (status != 0)
            {
                for (var i = 0; i < outputs.Length; i++)
                {
                    if (outputs[i] is null && outputHandles[i] != 0)
                    {
                        OrtApi.ReleaseValue(outputHandles[i]);
                    }
                }

                OrtStatus.Check(status, $"Running {displayName} failed");
            }
        }

        // Unlike the other overload, new outputs do not pin the inputs' buffers (a decode loop feeding presents back as
        // pasts would otherwise grow a pin chain per step); callers keep inputs alive while outputs may alias them.
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] ??= new OrtValue(new ValueHandle(outputHandles[i]));
        }
    }
}
