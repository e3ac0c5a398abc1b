using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph;
using OliveNet.Passes.Graph.Peephole;
using OliveNet.Passes.Graph.Surgeries;

namespace OliveNet.Passes.Quantization.QdqConversion;

/// <summary>
/// Olive's MatMulNBitsToQDQ: each com.microsoft.MatMulNBits (4 or 8 bits) whose weight, scales and zero points are
/// constants becomes standard ONNX: DequantizeLinear on the integer weight (blocked along K with block_size; per-axis
/// when K fits one block) → MatMul (→ Add for a bias). The integers, scales and zero points are the same values
/// rearranged, so the product is the same up to float summation order. Needs ai.onnx opset 21 (blocked
/// DequantizeLinear, int4 types). Nodes with a non-trivial g_idx or float (HQQ) zero points are left as they are.
/// </summary>
public sealed partial class MatMulNBitsToQdqPass : IPass<MatMulNBitsToQdqOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "MatMulNBitsToQDQ",
        Version: 1,
        Summary: "Rewrite com.microsoft.MatMulNBits as DequantizeLinear (int4/uint4/int8/uint8, blocked along K) + MatMul, for EPs that take QDQ models.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true);

    /// <inheritdoc/>
    public void Run(PassContext context, MatMulNBitsToQdqOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var model = OnnxModel.Load(context.Input.ModelPath);
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty, 0);
        if (opset < 21)
        {
            throw new PassFailedException(
                $"MatMulNBitsToQDQ writes blocked DequantizeLinear with int4/uint4 weights, which needs ai.onnx opset 21 or later; this model imports opset {opset}. " +
                "Export it at opset 21 (ModelBuilder does); the pass does not raise the opset itself, because other operators changed meaning between opsets.");
        }

        var names = new SurgeryNames(model);
        var exclude = options.NodesToExclude.ToHashSet(StringComparer.Ordinal);
        var (converted, skipped) = (0, new List<string>());
        foreach (var graph in model.AllGraphs().ToList())
        {
            var g = graph.Proto;
            for (var i = 0; i < g.Node.Count; i++)
            {
                var node = g.Node[i];
                if (node is not { OpType: "MatMulNBits", Domain: SurgeryGraph.MicrosoftDomain } || exclude.Contains(node.Name))
                {
                    continue;
                }

                var replacement = Convert(model, graph, node, options, names, out var reason);
                if (replacement is null)
                {
                    skipped.Add($"{node.Name} ({reason})");
                    continue;
                }

                g.Node.RemoveAt(i);
                g.Node.Insert(i, replacement[^1]);
                foreach (var n in replacement.Take(replacement.Count - 1).Reverse())
                {
                    g.Node.Insert(i, n);
                }

                i += replacement.Count - 1;
                converted++;
            }

            graph.Invalidate();
            DeadCode.RemoveUnusedInitializers(graph);
        }

        if (converted > 0 && model.Proto.IrVersion < 10)
        {
            model.Proto.IrVersion = 10;
        }

        context.Log.WriteLine($"MatMulNBitsToQDQ: {converted} MatMulNBits node(s) → DequantizeLinear + MatMul" +
            (skipped.Count > 0 ? $"; left as they are: {string.Join(", ", skipped)}" : string.Empty) + ".");
        CompanionFiles.Copy(context, model);
        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
    }
}
