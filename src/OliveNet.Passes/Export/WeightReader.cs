using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Export;

/// <summary>
/// Reads checkpoint tensors as float32 in the layouts the graph needs. HF linear weights are <c>[out, in]</c>;
/// MatMul wants <c>[in, out]</c>, so projections are transposed here. One tensor is in memory at a time.
/// </summary>
internal sealed class WeightReader(CheckpointTensors checkpoint)
{
    /// <summary>A slice of rows of one HF weight: rows <c>[Start, Start+Count)</c> of <c>[out, in]</c>.</summary>
    public readonly record struct Rows(string Name, int Start, int Count);

    /// <summary>Whether the checkpoint holds <paramref name="name"/>.</summary>
    public bool Has(string name) => checkpoint.Contains(name);

    /// <summary>A 1-D tensor plus <paramref name="offset"/> per element (Gemma's 1 + w norms).</summary>
    public float[] Vector(string name, float offset = 0f)
    {
        var v = checkpoint.ReadFloat32(name);
        if (offset != 0f)
        {
            for (var i = 0; i < v.Length; i++)
            {
                v[i] += offset;
            }
        }

        return v;
    }

    /// <summary>Several 1-D tensors concatenated (packed q/k/v biases).</summary>
    public float[] Concat(params string[] names) => names.SelectMany(n => checkpoint.ReadFloat32(n)).ToArray();

    /// <summary>Checks that a tensor is 2-D <c>[rows, columns]</c> as the config implies.</summary>
    /// <exception cref="ExportException">It is not.</exception>
    public void CheckShape(string name, int rows, int columns)
    {
        var info = checkpoint.Info(name);
        if (info.Shape.Count != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
        {
            throw new ExportException(
                $"{checkpoint.Folder}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; config.json implies [{rows}, {columns}]. Are config and weights from the same model?");
        }
    }

    /// <summary>The <c>[K, N]</c> of the stacked, transposed row slices, after checking they fit together.</summary>
    /// <exception cref="ExportException">A slice is out of range or the slices differ in width.</exception>
    public (int K, int N) Measure(Rows[] parts)
    {
        var k = -1;
        var n = 0;
        foreach (var p in parts)
        {
            var info = checkpoint.Info(p.Name);
            if (info.Shape.Count != 2 || p.Start + p.Count > info.Shape[0] || (k >= 0 && info.Shape[1] != k))
            {
                throw new ExportException(
                    $"{checkpoint.Folder}: tensor '{p.Name}' has shape [{string.Join(", ", info.Shape)}], which does not fit the config (rows {p.Start}..{p.Start + p.Count}, in {k}).");
            }

            k = (int)info.Shape[1];
            n += p.Count;
        }

        return (k, n);
    }

    /// <summary>The row slices stacked along out and transposed: <c>[in, Σ Count]</c> row-major, ready for MatMul.</summary>
    public (float[] Data, int K, int N) Transposed(params Rows[] parts)
    {
        var (k, n) = Measure(parts);
        var result = new float[(long)k * n];
        TransposedInto(parts, k, n, result);
        return (result, k, n);
    }

    /// <summary>As <see cref="Transposed"/>, into <paramref name="result"/> (length <c>k·Σ Count</c>), so callers can reuse one buffer.</summary>
    public void TransposedInto(Rows[] parts, int k, int n, float[] result)
    {
        if (Measure(parts) != (k, n) || result.Length != (long)k * n)
        {
            throw new ArgumentException($"The slices are not [{k}, {n}] or the buffer holds {result.Length} floats.", nameof(result));
        }

        // Rows are read a few at a time from the mapping and scattered into columns: memory holds the result and one chunk.
        var column = 0;
        var chunkRows = Math.Max(1, (1 << 20) / Math.Max(1, k));
        var chunk = new float[(long)chunkRows * k];
        foreach (var p in parts)
        {
            for (var r0 = 0; r0 < p.Count; r0 += chunkRows)
            {
                var rows = Math.Min(chunkRows, p.Count - r0);
                var span = chunk.AsSpan(0, rows * k);
                checkpoint.ReadRowsFloat32(p.Name, p.Start + r0, rows, span);
                for (var r = 0; r < rows; r++)
                {
                    var row = span.Slice(r * k, k);
                    var at = column + r0 + r;
                    for (var i = 0; i < k; i++)
                    {
                        result[((long)i * n) + at] = row[i];
                    }
                }
            }

            column += p.Count;
        }
    }

    /// <summary>The columns <c>[n0, n1)</c> of the stacked weight <paramref name="parts"/> describe, as row slices.</summary>
    public static Rows[] Slice(Rows[] parts, int n0, int n1)
    {
        var result = new List<Rows>();
        var at = 0;
        foreach (var p in parts)
        {
            var start = Math.Max(n0, at);
            var end = Math.Min(n1, at + p.Count);
            if (start < end)
            {
                result.Add(new Rows(p.Name, p.Start + (start - at), end - start));
            }

            at += p.Count;
        }

        return [.. result];
    }

    /// <summary>A 2-D tensor as stored, delivered in chunks of whole rows of about <paramref name="chunkElements"/> floats.</summary>
    public void StreamRows(string name, long chunkElements, Action<ReadOnlySpan<float>> sink)
    {
        var info = checkpoint.Info(name);
        var rows = (int)info.Shape[0];
        var columns = (int)(info.ElementCount / Math.Max(1, rows));
        var chunkRows = (int)Math.Clamp(chunkElements / Math.Max(1, columns), 1, rows);
        var buffer = new float[(long)chunkRows * columns];
        for (var r = 0; r < rows; r += chunkRows)
        {
            var n = Math.Min(chunkRows, rows - r);
            var span = buffer.AsSpan(0, n * columns);
            checkpoint.ReadRowsFloat32(name, r, n, span);
            sink(span);
        }
    }

    /// <summary>
    /// The transposed stack <c>[in, Σ Count]</c> of <see cref="Transposed"/>, delivered in chunks of whole result rows
    /// (about <paramref name="chunkElements"/> floats each). Each chunk re-reads the source rows, trading reads of
    /// the (page-cached) checkpoint for memory that stays at one chunk.
    /// </summary>
    public void StreamTransposed(Rows[] parts, long chunkElements, Action<ReadOnlySpan<float>> sink)
    {
        var k = (int)checkpoint.Info(parts[0].Name).Shape[1];
        var n = parts.Sum(p => p.Count);
        var kc = (int)Math.Clamp(chunkElements / Math.Max(1, n), 1, k);
        var result = new float[(long)kc * n];
        var readRows = Math.Max(1, (1 << 20) / k);
        var read = new float[(long)readRows * k];
        for (var k0 = 0; k0 < k; k0 += kc)
        {
            var width = Math.Min(kc, k - k0);
            var column = 0;
            foreach (var p in parts)
            {
                for (var r0 = 0; r0 < p.Count; r0 += readRows)
                {
                    var rows = Math.Min(readRows, p.Count - r0);
                    var span = read.AsSpan(0, rows * k);
                    checkpoint.ReadRowsFloat32(p.Name, p.Start + r0, rows, span);
                    for (var r = 0; r < rows; r++)
                    {
                        var row = span.Slice((r * k) + k0, width);
                        var at = column + r0 + r;
                        for (var i = 0; i < width; i++)
                        {
                            result[((long)i * n) + at] = row[i];
                        }
                    }
                }

                column += p.Count;
            }

            sink(result.AsSpan(0, width * n));
        }
    }

    /// <summary>
    /// The quantized blocks of the row slices when every slice comes from a weight the checkpoint carries quantized
    /// (an Rtn/Gptq checkpoint), for packing into MatMulNBits as they are; null when any slice is float.
    /// </summary>
    public PackedWeight[]? Prequantized(Rows[] parts)
    {
        var result = new PackedWeight[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (checkpoint.Prequantized(parts[i].Name) is not { } w)
            {
                return null;
            }

            result[i] = PackedRows.Slice(w, parts[i].Start, parts[i].Count);
        }

        return result;
    }

    /// <summary>"checkpoint-folder: weight" for messages.</summary>
    public string Describe(string weight) => $"{checkpoint.Folder}: {weight}";

    /// <summary>All rows of a weight.</summary>
    public Rows All(string name) => new(name, 0, (int)checkpoint.Info(name).Shape[0]);
}
