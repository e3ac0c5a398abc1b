namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Agreement of a candidate's outputs with the input model's on the same data. Vectors are the rows of the last axis
/// (classes of a classifier, classes per time step of a sequence model).
/// </summary>
public sealed class FidelityScores
{
    private double _maxAbs;
    private double _sumAbs;
    private double _dot;
    private double _normA;
    private double _normB;
    private long _count;
    private long _rows;
    private long _agree;
    private double _kl;

    /// <summary>Adds one output pair: <paramref name="reference"/> from the input model, <paramref name="candidate"/> from the candidate.</summary>
    /// <param name="reference">Reference values.</param>
    /// <param name="candidate">Candidate values, same length.</param>
    /// <param name="rowLength">Length of the last axis.</param>
    public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate, int rowLength)
    {
        for (var i = 0; i < reference.Length; i++)
        {
            double a = reference[i], b = candidate[i];
            var diff = Math.Abs(a - b);
            _maxAbs = Math.Max(_maxAbs, double.IsNaN(diff) ? double.PositiveInfinity : diff);
            _sumAbs += diff;
            _dot += a * b;
            _normA += a * a;
            _normB += b * b;
        }

        _count += reference.Length;
        for (var r = 0; r + rowLength <= reference.Length; r += rowLength)
        {
            var p = reference.Slice(r, rowLength);
            var q = candidate.Slice(r, rowLength);
            _agree += ArgMax(p) == ArgMax(q) ? 1 : 0;
            _kl += KullbackLeibler(Distribution(p), Distribution(q));
            _rows++;
        }
    }

    /// <summary>The sub-type values: max_abs, mean_abs, cosine, top1_agreement, kl (mean over rows, nats).</summary>
    public IReadOnlyDictionary<string, double> Values() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["max_abs"] = _maxAbs,
        ["mean_abs"] = _count == 0 ? 0 : _sumAbs / _count,
        ["cosine"] = _normA == 0 || _normB == 0 ? (_normA == _normB ? 1 : 0) : _dot / Math.Sqrt(_normA * _normB),
        ["top1_agreement"] = _rows == 0 ? 0 : _agree / (double)_rows,
        ["kl"] = _rows == 0 ? 0 : _kl / _rows,
    };

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The row as-is when it already is a distribution (non-negative, sums to 1 within 1e-3), else its softmax.</summary>
    private static double[] Distribution(ReadOnlySpan<float> row)
    {
        var sum = 0.0;
        var nonNegative = true;
        foreach (var v in row)
        {
            sum += v;
            nonNegative &= v >= 0;
        }

        var result = new double[row.Length];
        if (nonNegative && Math.Abs(sum - 1) < 1e-3)
        {
            for (var i = 0; i < row.Length; i++)
            {
                result[i] = row[i] / sum;
            }

            return result;
        }

        var max = double.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }

        var total = 0.0;
        for (var i = 0; i < row.Length; i++)
        {
            result[i] = Math.Exp(row[i] - max);
            total += result[i];
        }

        for (var i = 0; i < row.Length; i++)
        {
            result[i] /= total;
        }

        return result;
    }

    /// <summary>KL(p‖q) with q floored at 1e-12 so a zero where p is not gives a large finite value.</summary>
    private static double KullbackLeibler(double[] p, double[] q)
    {
        var kl = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] > 0)
            {
                kl += p[i] * Math.Log(p[i] / Math.Max(q[i], 1e-12));
            }
        }

        return Math.Max(0, kl);
    }
}
