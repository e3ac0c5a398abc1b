using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests;

/// <summary>What ONNX Runtime actually runs: the graph it writes after its own optimizations at load.</summary>
internal static class OrtGraph
{
    /// <summary>
    /// Op counts (domain-qualified, e.g. <c>com.microsoft.DynamicQuantizeMatMul</c>) of the graph ORT optimizes
    /// <paramref name="modelPath"/> into at <paramref name="level"/>, subgraphs included. Use it to check that ORT fused
    /// the pattern a pass emitted, not only that the model ran.
    /// </summary>
    public static IReadOnlyDictionary<string, int> OptimizedOps(string modelPath, GraphOptimizationLevel level = GraphOptimizationLevel.Extended)
    {
        var folder = Directory.CreateTempSubdirectory("olivenet-ortgraph-").FullName;
        try
        {
            var optimized = Path.Combine(folder, "optimized.onnx");
            using (var options = new SessionOptions { OptimizationLevel = level })
            {
                options.SetOptimizedModelFilePath(optimized, "optimized.onnx.data", 1 << 20);
                using var session = new InferenceSession(modelPath, options);
            }

            // Only op counts are read. ORT writes If-branch initializers that were external with their original
            // location (the input's model.onnx.data, not next to this file), so external data is not checked.
            return OnnxModel.Load(optimized, new OnnxLoadOptions { ValidateExternalData = false }).AllGraphs().SelectMany(g => g.Nodes)
                .GroupBy(n => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
