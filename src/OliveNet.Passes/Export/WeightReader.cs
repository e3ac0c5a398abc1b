using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Export;

/// <summary>
/// Reads checkpoint tensors as float32 in the layouts the graph needs. HF linear weights are <c>[out, in]</c>;
/// MatMul wants <c>[in, out]</c>, so projections are transposed here. One tensor is in memory at a time.
/// </summary>
internal sealed class WeightReader(SafeTensorsCheckpoint checkpoint)
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

    /// <summary>A 2-D tensor as stored, <c>[rows, columns]</c> (embedding tables).</summary>
    public (float[] Data, int Rows, int Columns) Matrix(string name)
    {
        var info = checkpoint.Info(name);
        if (info.Shape.Count != 2)
        {
            throw new ExportException($"{checkpoint.Folder}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; a 2-D weight was expected.");
        }

        return (checkpoint.ReadFloat32(name), (int)info.Shape[0], (int)info.Shape[1]);
    }

    /// <summary>The row slices stacked along out and transposed: <c>[in, Σ Count]</c> row-major, ready for MatMul.</summary>
    public (float[] Data, int K, int N) Transposed(params Rows[] parts)
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

        // Rows are read a few at a time from the mapping and scattered into columns: memory holds the result and one chunk.
        var result = new float[(long)k * n];
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

        return (result, k, n);
    }

    /// <summary>All rows of a weight.</summary>
    public Rows All(string name) => new(name, 0, (int)checkpoint.Info(name).Shape[0]);
}
