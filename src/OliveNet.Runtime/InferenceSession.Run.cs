using Ort = Microsoft.ML.OnnxRuntime;

namespace OliveNet.Runtime;

public sealed partial class InferenceSession
{
    /// <summary>The official API wants run options on every call; ORT only reads them, so one default instance serves all.</summary>
    private static readonly Lazy<Ort.RunOptions> DefaultRunOptions = new(() => OrtCall.Checked(() => new Ort.RunOptions(), "Cannot create run options"));

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
        var inputNames = inputs.Select(kv => kv.Key).ToArray();
        var inputValues = inputs.Select(kv => kv.Value.Inner).ToArray();
        var results = OrtCall.Checked(
            () => Open.Run(runOptions?.Inner ?? DefaultRunOptions.Value, inputNames, inputValues, names),
            $"Running {displayName} failed");

        // Outputs may share data with inputs (e.g. sequences passed through), so they pin the inputs' managed buffers too.
        var inputPins = inputs.SelectMany(kv => kv.Value.PinSources).ToArray();
        var outputs = new OrtValue[names.Length];
        var index = 0;
        foreach (var value in results)
        {
            outputs[index++] = new OrtValue(value, inputPins);
        }

        return new OrtValueList(outputs, names);
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

        var inputNames = inputs.Select(kv => kv.Key).ToArray();
        var inputValues = inputs.Select(kv => kv.Value.Inner).ToArray();
        if (outputs.All(o => o is not null))
        {
            var given = outputs.Select(o => o!.Inner).ToArray();
            OrtCall.Checked(() => Open.Run(runOptions?.Inner ?? DefaultRunOptions.Value, inputNames, inputValues, outputNames.ToArray(), given), $"Running {displayName} failed");
            return;
        }

        // Some outputs are ORT's to allocate: bind inputs and the given outputs, let ORT allocate the rest on the CPU.
        using var binding = OrtCall.Checked(() => Open.CreateIoBinding(), $"Cannot bind inputs and outputs of {displayName}");
        for (var i = 0; i < inputNames.Length; i++)
        {
            binding.BindInput(inputNames[i], inputValues[i]);
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is { } given)
            {
                binding.BindOutput(outputNames[i], given.Inner);
            }
            else
            {
                binding.BindOutputToDevice(outputNames[i], Ort.OrtMemoryInfo.DefaultInstance);
            }
        }

        OrtCall.Checked(() => Open.RunWithBinding(runOptions?.Inner ?? DefaultRunOptions.Value, binding), $"Running {displayName} failed");

        var produced = OrtCall.Checked(() => binding.GetOutputValues(), $"Cannot read the outputs of {displayName}");
        var index = 0;
        foreach (var value in produced)
        {
            if (outputs[index] is null)
            {
                outputs[index] = new OrtValue(value);
            }
            else
            {
                value.Dispose();
            }

            index++;
        }
    }
}
