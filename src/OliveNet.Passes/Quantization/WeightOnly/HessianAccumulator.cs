using System.Numerics.Tensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Σ x·xᵀ over calibration tokens for one layer input of width <see cref="Width"/> (the GPTQ Hessian up to the factor
/// 2/N, which the update does not depend on). Each sample is accumulated in float32 (upper triangle, vectorized rank-1
/// updates) and added to the float64 total, so long calibration runs do not lose small contributions.
/// </summary>
internal sealed class HessianAccumulator(int width)
{
    private readonly double[] _total = new double[(long)width * width];
    private readonly float[] _sample = new float[(long)width * width];

    /// <summary>The input width (the weight's columns).</summary>
    public int Width => width;

    /// <summary>Tokens seen.</summary>
    public long Tokens { get; private set; }

    /// <summary>Adds the rows of <paramref name="x"/> (<c>[tokens, Width]</c> row-major).</summary>
    public void Add(ReadOnlySpan<float> x)
    {
        var tokens = x.Length / width;
        Array.Clear(_sample);
        for (var t = 0; t < tokens; t++)
        {
            var row = x.Slice(t * width, width);
            for (var i = 0; i < width; i++)
            {
                if (row[i] != 0)
                {
                    var target = _sample.AsSpan((i * width) + i, width - i);
                    TensorPrimitives.MultiplyAdd(row[i..], row[i], target, target);
                }
            }
        }

        for (var i = 0; i < width; i++)
        {
            for (var j = i; j < width; j++)
            {
                _total[((long)i * width) + j] += _sample[((long)i * width) + j];
            }
        }

        Tokens += tokens;
    }

    /// <summary>A full symmetric copy of the accumulated matrix, scaled to 2/N·Σ x·xᵀ.</summary>
    public double[] Hessian()
    {
        var h = new double[_total.Length];
        var scale = 2.0 / Math.Max(1, Tokens);
        for (var i = 0; i < width; i++)
        {
            for (var j = i; j < width; j++)
            {
                var v = _total[((long)i * width) + j] * scale;
                h[((long)i * width) + j] = v;
                h[((long)j * width) + i] = v;
            }
        }

        return h;
    }
}
