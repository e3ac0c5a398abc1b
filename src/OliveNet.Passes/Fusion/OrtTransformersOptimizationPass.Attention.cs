using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Fusion.Attention;

namespace OliveNet.Passes.Fusion;

/// <summary>The attention fusion step that runs before ONNX Runtime's optimizer (<c>fuse_attention</c>).</summary>
public sealed partial class OrtTransformersOptimizationPass
{
    /// <summary>
    /// From opt_level 2 with <c>fuse_attention</c> (and not <c>only_onnxruntime</c>): fuses self-attention into com.microsoft.Attention and, when anything
    /// was fused, writes the result under <paramref name="temp"/>. Returns the model ORT should optimize, the loaded
    /// (possibly fused) source when it was loaded, and a sentence for the log.
    /// </summary>
    private static (string Input, OnnxModel? Source, string Log) FuseAttention(string modelPath, OrtTransformersOptimizationOptions options, string temp)
    {
        if (!options.FuseAttention || options.OnlyOnnxruntime || options.OptLevel < 2)
        {
            return (modelPath, null, string.Empty);
        }

        OnnxModel source;
        try
        {
            source = OnnxModel.Load(modelPath);
        }
        catch (OnnxFormatException ex)
        {
            throw new PassFailedException(
                $"OrtTransformersOptimization: could not read '{modelPath}' for the attention fusion: {ex.Message} (set fuse_attention: false to hand the file to ONNX Runtime as it is)",
                ex);
        }

        var fusion = new AttentionFusion(source, options.NumHeads, options.HiddenSize);
        fusion.Run();
        var log = $" Attention fusion: {fusion.Fused} self-attention subgraph(s) → com.microsoft.Attention" +
            (fusion.Skipped.Count == 0 ? "." : "; left alone: " + string.Join("; ", fusion.Skipped.Select(kv => $"{kv.Value} because {kv.Key}")) + ".");
        if (fusion.Fused == 0)
        {
            return (modelPath, source, log);
        }

        var fused = Path.Combine(temp, "attention", ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(fused)!);
        source.Save(fused, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = Math.Max(options.SizeThreshold, 1) });
        return (fused, source, log);
    }
}
