using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Graph.Peephole;

namespace OliveNet.Passes.Graph;

/// <summary>
/// EP-neutral clean-ups on OliveNet's own IR: Identity and inference Dropout removal, Reshape chain folding, constant
/// folding (shape-only ops by relabelling dims; any other op with all-constant inputs by running it alone in ONNX
/// Runtime's CPU kernel), dead node and unused initializer removal, and initializer de-duplication. Every default rewrite
/// is exact, so results are bit-identical to the input model's; the opt-in <c>fold_conv_affine</c> and <c>fuse_hardswish</c> are exact
/// in real arithmetic only. Graphs are visited innermost first so
/// that a subgraph's reads of outer values are settled before its parent's dead nodes are judged.
/// </summary>
public sealed class OnnxPeepholeOptimizerPass : IPass<OnnxPeepholeOptimizerOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "OnnxPeepholeOptimizer",
        Version: 2,
        Summary: "Exact, EP-neutral graph clean-ups: Identity/Dropout removal, Reshape chains, constant folding, dead code, duplicate initializers.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true);

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(OnnxPeepholeOptimizerOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.CastChainElimination
            ? ["cast_chain_elimination: true is not supported by OliveNet (removing a narrowing Cast changes results); set it to false."]
            : [];
    }

    /// <inheritdoc/>
    public void Run(PassContext context, OnnxPeepholeOptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var model = OnnxModel.Load(context.Input.ModelPath);
        var stats = Optimize(model, options, context.Cancellation);
        if (options.FoldConvAffine)
        {
            stats.AffineFolded = Quantization.Static.ConvAffineFolding.Apply(model, new Quantization.Dynamic.UniqueNames(model), new HashSet<string>(StringComparer.Ordinal));
        }

        if (options.FuseHardswish)
        {
            stats.HardSwishes = Quantization.Static.HardSwishFusion.Apply(model, new Quantization.Dynamic.UniqueNames(model));
        }

        if (options.FixComMicrosoftOpset)
        {
            stats.OpsetsDeclared = DeclareMicrosoftOpset(model);
        }

        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.Preserve });
        context.Log.WriteLine($"OnnxPeepholeOptimizer: {stats}.");
    }

    /// <summary>Adds com.microsoft opset 1 to the model's and each function's imports where missing; returns how many were added.</summary>
    internal static int DeclareMicrosoftOpset(OnnxModel model)
    {
        var added = 0;
        if (!model.Proto.OpsetImport.Any(o => o.Domain == "com.microsoft"))
        {
            model.Proto.OpsetImport.Add(new Onnx.Protos.OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
            added++;
        }

        foreach (var function in model.Proto.Functions.Where(f => !f.OpsetImport.Any(o => o.Domain == "com.microsoft")))
        {
            function.OpsetImport.Add(new Onnx.Protos.OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
            added++;
        }

        return added;
    }

    /// <summary>Applies the enabled clean-ups to <paramref name="model"/> in place.</summary>
    internal static PeepholeStats Optimize(OnnxModel model, OnnxPeepholeOptimizerOptions options, CancellationToken cancellation)
    {
        var opset = model.OpsetImports.GetValueOrDefault(string.Empty, 1);
        var baseDirectory = model.BaseDirectory;
        var stats = new PeepholeStats();

        // AllGraphs is pre-order, so reversed every subgraph comes before the graph that holds it.
        foreach (var graph in model.AllGraphs().ToList().AsEnumerable().Reverse())
        {
            cancellation.ThrowIfCancellationRequested();
            if (options.RemoveIdentity)
            {
                stats.Identities += Bypass.RemoveIdentities(graph);
            }

            if (options.RemoveDropout)
            {
                stats.Dropouts += Bypass.RemoveDropouts(graph, opset, baseDirectory);
            }

            if (options.FuseReshapeOperations)
            {
                stats.ReshapeChains += ReshapeChains.Fold(graph, baseDirectory);
            }

            if (options.ConstantFolding)
            {
                stats.Folded += ShapeFolding.Fold(graph, baseDirectory);
                stats.Computed += ConstantFolding.Fold(graph, model.Proto, baseDirectory, cancellation);
            }

            if (options.RemoveDeadNodes)
            {
                stats.DeadNodes += DeadCode.RemoveDeadNodes(graph);
                stats.UnusedInitializers += DeadCode.RemoveUnusedInitializers(graph);
            }

            if (options.DedupeInitializers)
            {
                stats.MergedInitializers += InitializerDedup.Merge(graph, baseDirectory);
            }

            DeadCode.RemoveStaleValueInfo(graph);
        }

        return stats;
    }
}
