using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// Runs the calibration: the model with every tensor to calibrate added as a graph output (the augmented model), run in
/// ONNX Runtime on the CPU with graph optimizations off so every tensor keeps its name, one sample at a time; each
/// fetched tensor is folded into its calibrator and released before the next sample.
/// </summary>
internal static class ActivationCalibration
{
    /// <summary>Calibrated ranges of <paramref name="tensors"/> in <paramref name="modelPath"/>.</summary>
    /// <param name="source">The model as it will be quantized (after any opset upgrade); not modified.</param>
    /// <param name="workFolder">A folder for the augmented model and its weights, deleted afterwards.</param>
    /// <param name="tensors">Float tensor names to calibrate, in a stable order.</param>
    /// <param name="newCalibrator">Creates one calibrator per tensor.</param>
    /// <param name="samples">Creates the samples from the session's inputs; each is disposed after its run.</param>
    /// <param name="cancellation">Checked between samples.</param>
    /// <returns>The range of every tensor that was fetched; the number of samples run.</returns>
    public static (SortedDictionary<string, TensorRange> Ranges, int Samples) Run(
        OnnxModel source,
        string workFolder,
        IReadOnlyList<string> tensors,
        Func<TensorCalibrator> newCalibrator,
        Func<IReadOnlyList<NodeMetadata>, IEnumerable<CalibrationSample>> samples,
        CancellationToken cancellation)
    {
        var model = OnnxModel.FromProto(source.Proto.Clone(), source.BaseDirectory);
        var graph = model.MainGraph.Proto;
        var existing = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in tensors.Where(t => !existing.Contains(t)))
        {
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxDataType.Float } },
            });
        }

        Directory.CreateDirectory(workFolder);
        var augmented = Path.Combine(workFolder, "augmented_model.onnx");
        try
        {
            // Weights go out as external data beside it: the input's folder is never written to, and models over 2 GB save.
            model.Save(augmented, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal });
            return Collect(augmented, tensors, newCalibrator, samples, cancellation);
        }
        finally
        {
            Directory.Delete(workFolder, recursive: true);
        }
    }

    private static (SortedDictionary<string, TensorRange>, int) Collect(
        string augmented,
        IReadOnlyList<string> tensors,
        Func<TensorCalibrator> newCalibrator,
        Func<IReadOnlyList<NodeMetadata>, IEnumerable<CalibrationSample>> samples,
        CancellationToken cancellation)
    {
        // One thread: ORT's CPU kernels then sum in one fixed order, so the ranges (and the output file) are reproducible.
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll, IntraOpThreads = 1, InterOpThreads = 1 };
        using var session = new InferenceSession(augmented, options);
        var calibrators = tensors.ToDictionary(t => t, _ => newCalibrator(), StringComparer.Ordinal);
        var count = 0;
        var all = samples(session.Inputs);
        using var step = Engine.Workflows.RunProgress.Step("calibrating", all.TryGetNonEnumeratedCount(out var total) ? total : null);
        foreach (var sample in all)
        {
            using (sample)
            {
                cancellation.ThrowIfCancellationRequested();
                using var outputs = session.Run(sample.Values, tensors);
                for (var i = 0; i < tensors.Count; i++)
                {
                    if (outputs[i].ElementType == TensorElementType.Float)
                    {
                        calibrators[tensors[i]].Collect(outputs[i].GetTensorData<float>());
                    }
                }
            }

            count++;
            step.Advance();
        }

        var ranges = new SortedDictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var (name, calibrator) in calibrators)
        {
            try
            {
                ranges[name] = calibrator.Range();
            }
            catch (InvalidOperationException)
            {
                // Never produced a value (empty tensor in every sample): the tensor stays float.
            }
        }

        return (ranges, count);
    }
}
