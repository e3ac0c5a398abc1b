using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>Options of <see cref="GraphSurgeriesPass"/>, named as Olive names them.</summary>
public sealed record GraphSurgeriesOptions
{
    /// <summary>The surgeries in order, each a mapping with <c>surgeon</c> and that surgeon's parameters.</summary>
    [Option("The surgeries to apply, in order: each a mapping with surgeon (the surgery's name, matched case-insensitively as Olive does) and its parameters, e.g. {\"surgeon\": \"RenameInputDims\", \"input_name\": \"x\", \"dim_idx\": 0, \"dim_name\": \"batch\"}. OliveNet's surgeons: TieWordEmbeddings, QuantizeEmbeddingInt8, ShareEmbeddingLmHead, GemmToMatMulAdd, ReciprocalMulToDiv, RenameInputDims, RenameOutputDims, RenameInputs (docs/olive-passes.md says what each does).")]
    public JsonObject[] Surgeries { get; init; } = [];

    /// <summary>Merge initializers with equal bytes after the surgeries.</summary>
    [Option("After the surgeries, merge initializers of one graph with the same type, dims and bytes into one (Olive's DeduplicateHashedInitializersPass).")]
    public bool RemoveDuplicateInitializers { get; init; } = true;
}
