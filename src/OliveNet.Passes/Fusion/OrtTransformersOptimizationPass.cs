using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Passes.Fusion;

/// <summary>
/// Graph fusion by ONNX Runtime's own session optimizer, run offline: a session is created with an optimized-model
/// path at the chosen level, and the file ORT writes is re-saved through <see cref="OnnxModel"/> in canonical order so
/// the output is byte-identical run to run. Not target-agnostic: from level 2 the output holds com.microsoft fused ops
/// assigned to the execution provider that optimized it, and level 99 adds an NCHWc layout tied to the CPU's vector width.
/// The optimizing session therefore uses the target's execution provider; when this machine cannot create it the pass
/// fails rather than fusing for the CPU, because a CPU-fused model may hold ops the target's provider does not run.
/// From level 2, OliveNet's own <see cref="AttentionFusion"/> runs first (option <c>fuse_attention</c>): ORT's session
/// optimizer has no match for the self-attention PyTorch exports, while Olive's Python optimizer fuses it for BERT.
/// </summary>
public sealed partial class OrtTransformersOptimizationPass : IPass<OrtTransformersOptimizationOptions>
{
    private const string TempFolderName = ".ort-optimized";

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OrtTransformersOptimization",
        Version: 4,
        Summary: "Fuse operators with ONNX Runtime's graph optimizer run offline (opt_level 0/1/2/99).",
        Devices: ["cpu", "gpu", "npu"],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: false);

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OrtTransformersOptimizationOptions options, Target target)
    {
        var errors = new List<string>();
        if (options.OptLevel is not (0 or 1 or 2 or 99))
        {
            errors.Add($"opt_level: {options.OptLevel} is not one of 0 (none), 1 (basic), 2 (extended), 99 (all).");
        }

        if (options.Float16)
        {
            errors.Add("float16: true is not supported by OrtTransformersOptimization in OliveNet; set it to false and add an OnnxFloatToFloat16 pass after this one.");
        }

        if (options.UseGpu && string.Equals(target.Device, "cpu", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("use_gpu: true does not fit the target device 'cpu'; set use_gpu to false or target a gpu.");
        }

        if (options.SizeThreshold < 0)
        {
            errors.Add($"size_threshold: {options.SizeThreshold} is negative; use 0 or more bytes (default 1024).");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OrtTransformersOptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var temp = Path.Combine(context.OutputFolder, TempFolderName);
        Directory.CreateDirectory(temp);
        try
        {
            var (input, source, attention) = FuseAttention(context.Input.ModelPath, options, temp);
            var optimized = Path.Combine(temp, ModelFileName);
            Optimize(input, optimized, options, context.Target.ExecutionProvider);
            context.Cancellation.ThrowIfCancellationRequested();
            var model = OnnxModel.Load(optimized);
            var duplicates = DuplicateInitializers.Remove(model.Proto, temp);
            var sourceNames = ModelCanonicalizer.NodeNames((source ?? OnnxModel.Load(context.Input.ModelPath)).Proto);
            ModelCanonicalizer.Canonicalize(model.Proto, sourceNames);
            model.Save(
                context.OutputModelPath,
                new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = options.SizeThreshold });
            context.Log.WriteLine(
                $"OrtTransformersOptimization: opt_level {options.OptLevel} for {context.Target.ExecutionProvider}, " +
                $"{model.AllGraphs().Sum(g => g.Nodes.Count)} nodes (subgraphs included)" +
                (duplicates > 0 ? $"; dropped {duplicates} repeated initializer(s) ONNX Runtime wrote." : ".") + attention);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private const string ModelFileName = "model.onnx";

    private static void Optimize(string input, string output, OrtTransformersOptimizationOptions options, string executionProvider)
    {
        using var sessionOptions = new SessionOptions { OptimizationLevel = (GraphOptimizationLevel)options.OptLevel };
        try
        {
            sessionOptions.AppendExecutionProvider(executionProvider);
        }
        catch (OrtException ex)
        {
            throw ProviderUnavailable(executionProvider, ex);
        }

        try
        {
            // Large initializers go external already here so models past protobuf's 2 GB limit can be written.
            sessionOptions.SetOptimizedModelFilePath(output, ModelFileName + ".data", Math.Max(options.SizeThreshold, 1));
            using var session = new InferenceSession(input, sessionOptions);
        }
        catch (OrtException ex) when (sessionOptions.ExecutionProviders.Count > 0)
        {
            // ORT loads a provider's shared library only when the session is created, so a missing library or driver
            // shows up here; its message says which, and it may equally be the model that failed.
            throw new PassFailedException(
                $"OrtTransformersOptimization: ONNX Runtime could not load or optimize '{input}' at opt_level {options.OptLevel} " +
                $"with the target's execution provider '{executionProvider}' (there is no silent CPU fallback): {ex.Message}",
                ex);
        }
        catch (OrtException ex)
        {
            throw new PassFailedException(
                $"OrtTransformersOptimization: ONNX Runtime could not load or optimize '{input}' at opt_level {options.OptLevel}: {ex.Message}",
                ex);
        }
    }

    private static PassFailedException ProviderUnavailable(string executionProvider, OrtException ex) =>
        new(
            $"OrtTransformersOptimization: the target's execution provider '{executionProvider}' cannot be created on this machine " +
            $"by this ONNX Runtime build ({OrtRuntime.Version}). Fusions from opt_level 2 are specific to the execution provider, " +
            "so there is no silent CPU fallback: run this pass on a machine where the provider works, or target " +
            $"CPUExecutionProvider. ONNX Runtime said: {ex.Message}",
            ex);
}
