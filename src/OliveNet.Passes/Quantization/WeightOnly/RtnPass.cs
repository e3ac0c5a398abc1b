using OliveNet.Engine.Passes;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Olive's Rtn on a Hugging Face checkpoint: rounds each selected weight to the nearest code of its group (fp32, fp16 and
/// bf16 weights alike) and writes a quantized checkpoint (Olive's layout, <c>quantization_config</c> in config.json) that
/// ModelBuilder packs into MatMulNBits as it is. Weights quantized by an earlier pass (Gptq) are kept, so Rtn can finish
/// the LM head and embeddings after Gptq as Olive's recipes do.
/// </summary>
public sealed class RtnPass : IPass<RtnOptions>, ICheckpointCheck
{
    private const string Qwen35Reason = "its plan covers attention decoders' model.layers.* weights (the Hub layout keeps Qwen3.5's under model.language_model.*, which would stay float)";

    /// <inheritdoc/>
    public IReadOnlyList<string> CheckCheckpoint(string folder, object options) => CheckpointInput.Qwen35Problems(folder, PassId, Qwen35Reason);

    /// <summary>The pass id (Olive's pass type name).</summary>
    public const string PassId = "Rtn";

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: PassId,
        Version: 1,
        Summary: "Round-to-nearest weight-only quantization of a Hugging Face checkpoint (2/4/8 bits, groups, per-module overrides); ModelBuilder packs it into MatMulNBits.",
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
    public IReadOnlyList<string> Validate(RtnOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        CheckpointInput.Validate(errors, options.Bits, options.GroupSize);
        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, RtnOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var folder = CheckpointInput.Folder(context, PassId);
        CheckpointInput.Guard(() => Quantize(folder, context.OutputFolder, options, context.Log));
    }

    /// <summary>Quantizes the checkpoint in <paramref name="source"/> into <paramref name="output"/>.</summary>
    internal static void Quantize(string source, string output, RtnOptions options, TextWriter log)
    {
        var config = CheckpointInput.Config(source);
        CheckpointInput.RefuseQwen35(config, PassId, Qwen35Reason);
        using var checkpoint = SafeTensorsCheckpoint.Open(source);
        var plan = CheckpointPlan.Create(
            checkpoint, config, new QuantSpec(options.Bits, options.GroupSize, options.Sym), options.LmHead, options.Embeds,
            options.ModulesToNotConvert ?? [], options.Overrides?.ToList() ?? [], allowQuantized: true, PassId);
        log.WriteLine($"{PassId}: quantizing {plan.Targets.Count} weights ({Summary(plan.Targets)})");
        CheckpointWriter.Write(source, checkpoint, config, plan, output, t =>
        {
            var weight = checkpoint.ReadFloat32(t.Source);
            return GroupQuantizer.Rtn(weight, t.Rows, t.Columns, t.Spec, t.ScaleDType);
        });
    }

    /// <summary>"28 × 4-bit g128 asym, 3 × 8-bit g128 asym".</summary>
    internal static string Summary(IEnumerable<QuantTarget> targets) =>
        string.Join(", ", targets.GroupBy(t => t.Spec).Select(g => $"{g.Count()} × {g.Key}"));
}
