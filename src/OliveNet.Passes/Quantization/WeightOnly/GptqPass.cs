using System.Diagnostics;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Olive's Gptq on a Hugging Face checkpoint, in C#: layer by layer, the layer is run through ONNX Runtime on the
/// calibration text (its input being the previous layers' output with their weights already quantized), the inputs of
/// its linear modules give each one's Hessian, and the GPTQ update quantizes the weights with error feedback
/// (<see cref="GptqSolver"/>). The result is a quantized checkpoint that ModelBuilder packs into MatMulNBits as it is.
/// </summary>
public sealed class GptqPass : IPass<GptqOptions>, ICheckpointCheck
{
    /// <summary>The pass id (Olive's pass type name).</summary>
    public const string PassId = "Gptq";

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: PassId,
        Version: 1,
        Summary: "GPTQ weight-only quantization of a Hugging Face checkpoint on calibration text or a local text data_config (layers run through ONNX Runtime); ModelBuilder packs it into MatMulNBits.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: ["int4", "int8"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
        ReadsCheckpoint = true,
        WritesCheckpoint = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> CheckCheckpoint(string folder, object options) =>
        [.. CheckpointArchitecture.Problems(folder, $"{PassId} runs the checkpoint's layers through the ModelBuilder export to collect calibration activations"),
         .. CheckpointInput.Qwen35Problems(folder, PassId, Qwen35Reason)];

    private const string Qwen35Reason = "calibration runs decoder layers through ONNX Runtime one by one and has no linear-attention layer";

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(GptqOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        CheckpointInput.Validate(errors, options.Bits, options.GroupSize);
        if (options.DescAct == true && options.GroupSize != -1)
        {
            errors.Add("desc_act: act-order needs group_size -1 (per channel); set desc_act false or group_size -1.");
        }

        if (options.DampPercent is <= 0 or >= 1)
        {
            errors.Add($"damp_percent: {options.DampPercent} is not between 0 and 1.");
        }

        CalibrationSamples.Validate(errors, PassId, options.CalibrationText, options.DataConfig, options.MaxSeqLen, options.MaxSamples, "(the Hessians of its layers' inputs)");

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, GptqOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var folder = CheckpointInput.Folder(context, PassId);
        CheckpointInput.Guard(() => Quantize(folder, context.OutputFolder, options, context.Log, context.Cancellation));
    }

    /// <summary>Quantizes the checkpoint in <paramref name="source"/> into <paramref name="output"/>.</summary>
    internal static void Quantize(string source, string output, GptqOptions options, TextWriter log, CancellationToken cancellation)
    {
        var config = CheckpointInput.Config(source);
        CheckpointInput.RefuseQwen35(config, PassId, Qwen35Reason);
        var hf = HfConfig.Load(source);
        using var checkpoint = SafeTensorsCheckpoint.Open(source);
        var plan = CheckpointPlan.Create(
            checkpoint, config, new QuantSpec(options.Bits, options.GroupSize, options.Sym), options.LmHead, embeds: false,
            options.ModulesToNotConvert ?? [], options.Overrides?.ToList() ?? [], allowQuantized: false, PassId);
        var samples = CalibrationSamples.Load(source, hf, PassId, options.CalibrationText, options.DataConfig, options.MaxSeqLen, options.MaxSamples);
        log.WriteLine($"{PassId}: {plan.Targets.Count} weights ({RtnPass.Summary(plan.Targets)}), calibrating on {samples.Count} samples of {samples[0].Length} tokens"
            + (CalibrationSamples.DefaultSource(options.CalibrationText, options.DataConfig) is { } from ? $" of {from}" : string.Empty));

        var work = Path.Combine(output, ".gptq-work");
        var results = new Dictionary<string, PackedWeight>(StringComparer.Ordinal);
        try
        {
            var calibrator = new LayerCalibrator(config, hf, checkpoint, work);
            var hidden = calibrator.Embed(samples);
            for (var layer = 0; layer < hf.Layers; layer++)
            {
                cancellation.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var prefix = $"model.layers.{layer}.";
                var targets = plan.Targets.Where(t => t.Module.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                var replaced = new Dictionary<string, float[]>(StringComparer.Ordinal);
                if (targets.Count > 0)
                {
                    using var run = calibrator.Open(layer, replaced, targets.Select(t => t.Module).ToList());
                    var values = targets.Select(t => run.InputOf[t.Module]).Distinct(StringComparer.Ordinal).ToList();
                    var hessians = new Dictionary<string, HessianAccumulator>(StringComparer.Ordinal);
                    foreach (var x in hidden)
                    {
                        var (acts, _) = run.Run(x, values);
                        foreach (var (name, a) in acts)
                        {
                            if (!hessians.TryGetValue(name, out var h))
                            {
                                h = hessians[name] = new HessianAccumulator(a.Length / (x.Length / hf.Hidden));
                            }

                            h.Add(a);
                        }
                    }

                    var calibrated = clock.Elapsed;
                    foreach (var t in targets)
                    {
                        var q = Solve(checkpoint, t, hessians[run.InputOf[t.Module]], options);
                        results[t.Module] = q;
                        replaced[t.Source] = q.Dequantize();
                    }

                    log.WriteLine($"{PassId}: layer {layer}: {targets.Count} weights, activations {calibrated.TotalSeconds:0.00} s, GPTQ {(clock.Elapsed - calibrated).TotalSeconds:0.00} s");
                }

                // The next layer sees this layer's output with its weights quantized, as GPTQ prescribes.
                using (var run = calibrator.Open(layer, replaced, []))
                {
                    for (var s = 0; s < hidden.Length; s++)
                    {
                        hidden[s] = run.Run(hidden[s], []).Residual;
                    }
                }
            }

            if (plan.Targets.FirstOrDefault(t => t.Module == "lm_head") is { } head)
            {
                var h = new HessianAccumulator(hf.Hidden);
                foreach (var x in hidden)
                {
                    calibrator.FinalNorm(x);
                    h.Add(x);
                }

                results[head.Module] = Solve(checkpoint, head, h, options);
            }
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        CheckpointWriter.Write(source, checkpoint, config, plan, output, t => results[t.Module]);
    }

    private static PackedWeight Solve(SafeTensorsCheckpoint checkpoint, QuantTarget t, HessianAccumulator h, GptqOptions options) =>
        GptqSolver.Quantize(
            checkpoint.ReadFloat32(t.Source), t.Rows, t.Columns, h.Hessian(), t.Spec, t.ScaleDType, options.DampPercent,
            (options.DescAct ?? t.Spec.GroupSize == -1) && t.Spec.GroupSize == -1, t.Module);
}
