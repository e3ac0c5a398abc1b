using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine.Recipes;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>The kinds of value a surgeon parameter takes.</summary>
internal enum SurgeonParameterKind
{
    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>A string.</summary>
    Text,

    /// <summary>A list of strings.</summary>
    TextList,
}

/// <summary>One parameter of a surgeon, named as Olive names it.</summary>
internal sealed record SurgeonParameter(string Name, SurgeonParameterKind Kind, bool Required);

/// <summary>A surgeon OliveNet has: its Olive name, what it does, its parameters and how it is built from them.</summary>
internal sealed record SurgeonSpec(string Name, string Summary, IReadOnlyList<SurgeonParameter> Parameters, Func<JsonObject, ISurgeon> Create);

/// <summary>
/// The surgeons of Olive's GraphSurgeries that OliveNet has, and the reasons for the Olive surgeons it does not. Surgeon
/// names match case-insensitively, as Olive's registry (keyed by the lower-cased class name) does.
/// </summary>
internal static class SurgeonCatalog
{
    private static readonly SurgeonParameter[] NoParameters = [];

    /// <summary>Every surgeon OliveNet has, in the order <c>olivenet passes</c> lists them.</summary>
    public static IReadOnlyList<SurgeonSpec> All { get; } =
    [
        new("TieWordEmbeddings", "Share the input embedding table with the LM head when their weights are equal (float Gather + MatMul → Gemm with transB on the table; GatherBlockQuantized + MatMulNBits → the head reads the embedding's quantized data).", NoParameters, _ => new TieWordEmbeddings()),
        new("QuantizeEmbeddingInt8", "Quantize the float embed_tokens Gather table to int8 blocks of 32 (absmax/127 scales, zero point 128) as com.microsoft.GatherBlockQuantized.", NoParameters, _ => new QuantizeEmbeddingInt8()),
        new("ShareEmbeddingLmHead", "After QuantizeEmbeddingInt8: replace the lm_head MatMulNBits by an 8-bit MatMulNBits that reads the embedding's int8 table, scales and zero points (one copy of the table).", NoParameters, _ => new ShareEmbeddingLmHead()),
        new("GemmToMatMulAdd", "Rewrite Gemm (alpha = beta = 1, no transA) as MatMul (+ Add of C), transposing a constant B once (else a Transpose node), so weight-only quantizers see MatMuls.", NoParameters, _ => new GemmToMatMulAdd()),
        new("ReciprocalMulToDiv", "Rewrite Mul(a, Reciprocal(x)) (either operand order) as Div(a, x), the form ONNX Runtime's SimplifiedLayerNormalization fusion matches.", NoParameters, _ => new ReciprocalMulToDiv()),
        new("RenameInputDims", "Give dimension dim_idx of a graph input (input_name, or input_idx) the symbolic name dim_name.", [new("dim_idx", SurgeonParameterKind.Integer, true), new("dim_name", SurgeonParameterKind.Text, true), new("input_name", SurgeonParameterKind.Text, false), new("input_idx", SurgeonParameterKind.Integer, false)], a => new RenameDims(true, a)),
        new("RenameOutputDims", "Give dimension dim_idx of graph output output_idx the symbolic name dim_name.", [new("output_idx", SurgeonParameterKind.Integer, true), new("dim_idx", SurgeonParameterKind.Integer, true), new("dim_name", SurgeonParameterKind.Text, true)], a => new RenameDims(false, a)),
        new("RenameInputs", "Rename graph inputs old_names[i] → new_names[i], with every read of them.", [new("old_names", SurgeonParameterKind.TextList, true), new("new_names", SurgeonParameterKind.TextList, true)], a => new RenameInputs(a)),
    ];

    /// <summary>Olive surgeons OliveNet does not have, with the reason.</summary>
    private static readonly Dictionary<string, string> OliveOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PackedAttentionToLoopMHA"] = "it expands the custom::PackedAttention function that Olive's PyTorch export (OnnxConversion with a user script) writes into vision encoders; OliveNet does not convert PyTorch modules, so no model it reads has that op",
        ["PackedAttentionToPackedMHA"] = "it expands the custom::PackedAttention function that Olive's PyTorch export (OnnxConversion with a user script) writes; OliveNet does not convert PyTorch modules",
        ["RemoveRopeMultiCache"] = "it rewrites the rotary caches of Olive's CUDA/NPU LLM exports; not implemented (no CPU recipe uses it)",
        ["AttentionMaskToSequenceLengths"] = "it is used by CUDA/NPU recipes only; not implemented",
        ["ReplaceAttentionMaskValue"] = "it is used by GPU/NPU recipes only; not implemented",
        ["SimplifiedLayerNormToL2Norm"] = "it is used by CUDA/NPU recipes only; not implemented",
        ["MatMulAddToGemm"] = "it is used by GPU/NPU recipes only; not implemented",
        ["RemoveGidxFromMatMulNBits"] = "it is used by CUDA/NPU recipes only; not implemented",
        ["PowReduceSumPowDiv2LpNorm"] = "it is used by NPU recipes only; not implemented",
        ["DeduplicateSubgraphInitializers"] = "it repairs models from Olive's PyTorch export after ORT optimization (GPU recipes); not implemented",
        ["DeduplicateNodes"] = "it repairs models from Olive's PyTorch export after float16 conversion (GPU recipes); not implemented",
        ["RemoveMemcpy"] = "it removes Memcpy nodes a GPU pre-partitioning inserts; CPU models have none; not implemented",
    };

    /// <summary>Olive's other surgeons (QNN/NPU shape fix-ups, debugging aids): known by name, not implemented.</summary>
    private static readonly HashSet<string> OliveOther = new(StringComparer.OrdinalIgnoreCase)
    {
        "RenameOutputs", "InferShapes", "RemoveShapes", "RemoveInitializerFromInputs", "ReorderInputs", "ReplaceErfWithTanh",
        "ZeroOutInput", "RemoveInputs", "ExposeOutputs", "ExposeQuantizedOutput", "DecomposeQuickGelu", "DecomposeRotaryEmbedding",
        "RMSNormToL2Norm", "SimplifiedLayerNormToRMSNorm", "RemoveQDQ", "MatMulToTransposeConvTranspose", "RemoveIntermediarySqueezeAndUnsqueeze",
        "QDQToClip", "RemoveDeqLin", "Non4DModelInputs", "Non4DModelOutputs", "StandaloneReduceSum", "Gather", "GatherElements",
        "Non4DInitializers", "RemoveAllTensorValueShapes", "Non4DReshape", "Non4DExpand", "Non4DTranspose", "Non4DSlice", "Non4DLpNorm",
        "Flatten", "AddIntermediateTensorsToOutputs", "ReshapeReduceSum", "ReshapeClipReduceSum", "ReduceMax",
    };

    /// <summary>The surgeon named <paramref name="name"/> (any case), or null.</summary>
    public static SurgeonSpec? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Checks one entry of <c>surgeries</c>; returns problems as messages starting with the entry's key path.</summary>
    public static IReadOnlyList<string> Check(JsonObject? surgery, string path)
    {
        if (surgery is null)
        {
            return [$"{path}: expected a mapping with surgeon and its parameters, got null."];
        }

        if (surgery["surgeon"] is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>() is not { Length: > 0 } name)
        {
            return [$"{path}.surgeon: is required: the name of a surgery, one of {Known}."];
        }

        if (Find(name) is not { } spec)
        {
            return [$"{path}.surgeon: {Unknown(name)}"];
        }

        var errors = new List<string>();
        foreach (var parameter in spec.Parameters)
        {
            var given = surgery[parameter.Name];
            if (given is null)
            {
                if (parameter.Required)
                {
                    errors.Add($"{path}.{parameter.Name}: is required by {spec.Name} ({Describe(spec)}).");
                }

                continue;
            }

            if (!Fits(given, parameter.Kind))
            {
                errors.Add($"{path}.{parameter.Name}: expected {Expected(parameter.Kind)}, got {given.ToJsonString()}.");
            }
        }

        if (spec.Name == "RenameInputDims" && surgery["input_name"] is null && surgery["input_idx"] is null)
        {
            errors.Add($"{path}: RenameInputDims needs input_name or input_idx.");
        }

        if (spec.Name == "RenameInputs" && surgery["old_names"] is JsonArray old && surgery["new_names"] is JsonArray renamed && old.Count != renamed.Count)
        {
            errors.Add($"{path}.new_names: has {renamed.Count} names for {old.Count} old_names; give one new name per old name.");
        }

        return errors;
    }

    /// <summary>The parameters <paramref name="surgery"/> gives that its surgeon does not read (Olive warns and ignores them).</summary>
    public static IReadOnlyList<string> Extra(JsonObject surgery, SurgeonSpec spec) =>
        surgery.Select(kv => kv.Key).Where(k => k != "surgeon" && spec.Parameters.All(p => p.Name != k)).ToList();

    /// <summary>The comma-separated names of every surgeon OliveNet has.</summary>
    public static string Known => string.Join(", ", All.Select(s => s.Name));

    private static string Unknown(string name)
    {
        var all = All.Select(s => s.Name).ToList();
        if (OliveOnly.TryGetValue(name, out var reason))
        {
            return $"'{name}' is an Olive surgeon OliveNet does not have: {reason}. OliveNet's surgeons: {Known}.";
        }

        if (OliveOther.Contains(name))
        {
            return $"'{name}' is an Olive surgeon OliveNet does not have (QNN/NPU shape fix-ups and debugging aids are not implemented). OliveNet's surgeons: {Known}.";
        }

        return $"'{name}' is not a graph surgery{DidYouMean.Hint(name, all.Concat(OliveOnly.Keys).Concat(OliveOther))}; OliveNet's surgeons: {Known}.";
    }

    private static string Describe(SurgeonSpec spec) =>
        spec.Parameters.Count == 0 ? "no parameters" : "parameters " + string.Join(", ", spec.Parameters.Select(p => p.Required ? p.Name : $"{p.Name} (optional)"));

    private static bool Fits(JsonNode node, SurgeonParameterKind kind) => kind switch
    {
        SurgeonParameterKind.Integer => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out _),
        SurgeonParameterKind.Text => node is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        _ => node is JsonArray a && a.All(e => e is JsonValue v && v.GetValueKind() == JsonValueKind.String),
    };

    private static string Expected(SurgeonParameterKind kind) => kind switch
    {
        SurgeonParameterKind.Integer => "an integer",
        SurgeonParameterKind.Text => "a string",
        _ => "a list of strings",
    };
}
