namespace OliveNet.Passes.Quantization.Common;

/// <summary>
/// What a quantization pass did, per op type: how many nodes it quantized, and for every node of a selected type it left in
/// float, why (grouped by op type and reason). Op types are the ones the input model had: a FusedMatMul or Gemm that was
/// rewritten to a MatMul before quantization counts as FusedMatMul or Gemm.
/// </summary>
internal sealed class QuantizationTally
{
    private const int NamesShown = 3;
    private readonly SortedDictionary<string, int> _quantized = new(StringComparer.Ordinal);
    private readonly SortedDictionary<(string OpType, string Reason), List<string>> _skipped = [];

    /// <summary>Nodes quantized, by op type.</summary>
    public IReadOnlyDictionary<string, int> Quantized => _quantized;

    /// <summary>Nodes of a selected op type left in float, by (op type, reason).</summary>
    public IReadOnlyDictionary<(string OpType, string Reason), List<string>> Skipped => _skipped;

    /// <summary>All nodes quantized.</summary>
    public int Total => _quantized.Values.Sum();

    /// <summary>Counts one quantized node of <paramref name="opType"/>.</summary>
    public void Count(string opType) => _quantized[opType] = _quantized.GetValueOrDefault(opType) + 1;

    /// <summary>Records <paramref name="node"/> (of <paramref name="opType"/>) as left in float for <paramref name="reason"/>.</summary>
    public void Skip(string opType, string reason, string node)
    {
        if (!_skipped.TryGetValue((opType, reason), out var list))
        {
            _skipped[(opType, reason)] = list = [];
        }

        list.Add(node);
    }

    /// <summary>Records the FusedMatMul/Gemm nodes a <see cref="WeightMatMulForms"/> rewrite left as they were.</summary>
    public void Add(MatMulFormsResult forms)
    {
        ArgumentNullException.ThrowIfNull(forms);
        foreach (var (opType, reason, node) in forms.Skipped)
        {
            Skip(opType, reason, node);
        }
    }

    /// <summary>"3 MatMul, 1 FusedMatMul" (op types in ordinal order), or "nothing".</summary>
    public string QuantizedSummary() =>
        _quantized.Count == 0 ? "nothing" : string.Join(", ", _quantized.Select(kv => $"{kv.Value} {kv.Key}"));

    /// <summary>One line per (op type, reason): count, reason and the first few node names.</summary>
    public IEnumerable<string> SkipLines() =>
        _skipped.Select(kv =>
            $"{kv.Value.Count} {kv.Key.OpType} left in float because {kv.Key.Reason} " +
            $"({string.Join(", ", kv.Value.Take(NamesShown))}{(kv.Value.Count > NamesShown ? $", … {kv.Value.Count - NamesShown} more" : string.Empty)})");

    /// <summary>The skip lines joined into one sentence, or "No selected node was skipped."</summary>
    public string DescribeSkipped() =>
        _skipped.Count == 0 ? "No selected node was skipped." : "Skipped: " + string.Join("; ", SkipLines()) + ".";

    /// <summary>Writes one line with the per-op-type counts, then one line per skip reason, each prefixed with the pass id.</summary>
    public void WriteTo(TextWriter log, string passId)
    {
        ArgumentNullException.ThrowIfNull(log);
        log.WriteLine($"{passId}: quantized per op type: {QuantizedSummary()}.");
        foreach (var line in SkipLines())
        {
            log.WriteLine($"{passId}: {line}.");
        }
    }
}
