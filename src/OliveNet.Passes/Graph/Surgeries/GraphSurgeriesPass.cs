using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Graph.Peephole;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's GraphSurgeries: named rewrites of the ONNX graph applied in order (<see cref="SurgeonCatalog"/>). A surgery
/// that does not apply to the model leaves it unchanged and says why in the log, as Olive's surgeons do; a surgery
/// whose parameters do not fit the model fails the pass. Most surgeries are exact; QuantizeEmbeddingInt8 and
/// ShareEmbeddingLmHead quantize, so the pass is marked lossy and its fidelity is measured. Files beside the model
/// (genai_config.json, tokenizer) are carried over.
/// </summary>
public sealed class GraphSurgeriesPass : IPass<GraphSurgeriesOptions>
{
    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: "GraphSurgeries",
        Version: 1,
        Summary: "Olive's named graph surgeries: TieWordEmbeddings, QuantizeEmbeddingInt8, ShareEmbeddingLmHead, GemmToMatMulAdd, ReciprocalMulToDiv, RenameInputDims/OutputDims, RenameInputs.",
        Devices: [],
        ExecutionProviders: [],
        Precisions: [],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(GraphSurgeriesOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Surgeries.Length == 0)
        {
            return [$"surgeries: is empty; list at least one surgery, one of {SurgeonCatalog.Known}."];
        }

        return options.Surgeries.SelectMany((s, i) => SurgeonCatalog.Check(s, $"surgeries[{i}]")).ToList();
    }

    /// <inheritdoc/>
    public void Run(PassContext context, GraphSurgeriesOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var model = OnnxModel.Load(context.Input.ModelPath);
        var names = new SurgeryNames(model);
        foreach (var surgery in options.Surgeries)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var spec = SurgeonCatalog.Find(surgery["surgeon"]!.GetValue<string>())!;
            if (SurgeonCatalog.Extra(surgery, spec) is { Count: > 0 } extra)
            {
                context.Log.WriteLine($"GraphSurgeries: {spec.Name} ignores parameter(s) {string.Join(", ", extra)} (as Olive does).");
            }

            context.Log.WriteLine($"GraphSurgeries: {spec.Name}: {spec.Create(surgery).Apply(model, names)}.");
        }

        if (options.RemoveDuplicateInitializers)
        {
            var merged = model.AllGraphs().ToList().Sum(g => InitializerDedup.Merge(g, model.BaseDirectory));
            if (merged > 0)
            {
                context.Log.WriteLine($"GraphSurgeries: merged {merged} duplicate initializer(s).");
            }
        }

        CompanionFiles.Copy(context, model);
        model.Save(context.OutputModelPath, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
    }
}
