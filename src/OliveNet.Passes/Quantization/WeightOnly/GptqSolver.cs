using System.Numerics.Tensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// The GPTQ update (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained
/// Transformers"): quantizes a weight column by column (input feature by input feature) and spreads each column's
/// rounding error over the columns not yet quantized, weighted by the inverse Hessian of the layer's reconstruction
/// error, H = 2·X·Xᵀ over the calibration inputs X. Following the paper: dead inputs (zero diagonal) are dropped,
/// H is damped by a fraction of its mean diagonal, U = the upper Cholesky factor of H⁻¹ supplies the update rows,
/// columns go in blocks of 128 with the block's accumulated error applied to later columns once per block (lazy batch
/// updates), and with act-order the columns are visited in order of decreasing H diagonal. Group scales and zero points
/// are taken from the error-updated values when a group's first column is reached.
/// </summary>
internal static class GptqSolver
{
    /// <summary>Columns per lazy-update block.</summary>
    public const int BlockSize = 128;

    /// <summary>Quantizes <paramref name="weight"/> (row-major <c>[rows, columns]</c>, not modified) against Hessian <paramref name="hessian"/> (<c>[columns, columns]</c>, consumed).</summary>
    /// <exception cref="PlanException">The damped Hessian is not positive definite.</exception>
    public static PackedWeight Quantize(
        ReadOnlySpan<float> weight, int rows, int columns, double[] hessian, QuantSpec spec, string scaleType, double dampPercent, bool actOrder, string module)
    {
        // Work on Wᵀ: column c of W is the contiguous row c of w, so updates are vector operations over the output rows.
        var w = new float[(long)columns * rows];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                w[((long)c * rows) + r] = weight[(r * columns) + c];
            }
        }

        for (var c = 0; c < columns; c++)
        {
            if (hessian[((long)c * columns) + c] == 0)
            {
                hessian[((long)c * columns) + c] = 1;
                w.AsSpan(c * rows, rows).Clear();
            }
        }

        var order = Enumerable.Range(0, columns).ToArray();
        if (actOrder)
        {
            order = [.. order.OrderByDescending(c => hessian[((long)c * columns) + c]).ThenBy(c => c)];
            hessian = Permute(hessian, columns, order);
            var permuted = new float[w.Length];
            for (var i = 0; i < columns; i++)
            {
                w.AsSpan(order[i] * rows, rows).CopyTo(permuted.AsSpan(i * rows, rows));
            }

            w = permuted;
        }

        double mean = 0;
        for (var c = 0; c < columns; c++)
        {
            mean += hessian[((long)c * columns) + c];
        }

        var damp = dampPercent * mean / columns;
        for (var c = 0; c < columns; c++)
        {
            hessian[((long)c * columns) + c] += damp;
        }

        var u = InverseCholeskyUpper(hessian, columns, module);
        var group = spec.GroupOf(columns);
        var groups = columns / group;
        var scales = new float[(long)rows * groups];
        var zeros = new int[(long)rows * groups];
        var codes = new int[(long)rows * columns];
        var rowScale = new float[rows];
        var rowZero = new int[rows];
        var values = new float[group];
        if (spec.GroupSize == -1)
        {
            // One group per row over the whole (original) row.
            for (var r = 0; r < rows; r++)
            {
                (rowScale[r], rowZero[r]) = GroupQuantizer.Params(weight.Slice(r * columns, columns), spec, scaleType);
                scales[r] = rowScale[r];
                zeros[r] = rowZero[r];
            }
        }

        var err = new float[(long)BlockSize * rows];
        var q = new float[rows];
        for (var i1 = 0; i1 < columns; i1 += BlockSize)
        {
            var i2 = Math.Min(i1 + BlockSize, columns);
            for (var i = i1; i < i2; i++)
            {
                var col = w.AsSpan(i * rows, rows);
                if (spec.GroupSize != -1 && i % group == 0)
                {
                    var g = i / group;
                    for (var r = 0; r < rows; r++)
                    {
                        for (var j = 0; j < group; j++)
                        {
                            values[j] = w[((long)(i + j) * rows) + r];
                        }

                        (rowScale[r], rowZero[r]) = GroupQuantizer.Params(values, spec, scaleType);
                        scales[((long)r * groups) + g] = rowScale[r];
                        zeros[((long)r * groups) + g] = rowZero[r];
                    }
                }

                var d = (float)u[((long)i * columns) + i];
                var e = err.AsSpan((i - i1) * rows, rows);
                var source = actOrder ? order[i] : i;
                for (var r = 0; r < rows; r++)
                {
                    var code = GroupQuantizer.Code(col[r], rowScale[r], rowZero[r], spec.MaxQ);
                    codes[((long)r * columns) + source] = code;
                    q[r] = (code - rowZero[r]) * rowScale[r];
                }

                TensorPrimitives.Subtract(col, q, e);
                TensorPrimitives.Divide(e, d, e);
                for (var j = i + 1; j < i2; j++)
                {
                    TensorPrimitives.MultiplyAdd(e, (float)-u[((long)i * columns) + j], w.AsSpan(j * rows, rows), w.AsSpan(j * rows, rows));
                }
            }

            // Lazy batch update: the block's errors reach the later columns once.
            for (var j = i2; j < columns; j++)
            {
                var target = w.AsSpan(j * rows, rows);
                for (var i = i1; i < i2; i++)
                {
                    TensorPrimitives.MultiplyAdd(err.AsSpan((i - i1) * rows, rows), (float)-u[((long)i * columns) + j], target, target);
                }
            }
        }

        return Pack(rows, columns, spec, codes, scales, zeros);
    }

    /// <summary>The upper Cholesky factor U of H⁻¹ (Uᵀ·U = H⁻¹), row-major, from the lower factor of H.</summary>
    private static double[] InverseCholeskyUpper(double[] h, int n, string module)
    {
        var l = Cholesky(h, n) ?? throw new PlanException(
            $"Gptq: the damped Hessian of {module} is not positive definite; raise damp_percent (e.g. 0.1) or give more calibration text.");

        // H⁻¹ = L⁻ᵀ·L⁻¹: invert the lower factor by forward substitution, then multiply.
        var inv = new double[(long)n * n];
        for (var c = 0; c < n; c++)
        {
            for (var r = c; r < n; r++)
            {
                var sum = r == c ? 1.0 : 0.0;
                for (var k = c; k < r; k++)
                {
                    sum -= l[((long)r * n) + k] * inv[((long)k * n) + c];
                }

                inv[((long)r * n) + c] = sum / l[((long)r * n) + r];
            }
        }

        var hinv = new double[(long)n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                double sum = 0;
                for (var k = i; k < n; k++)
                {
                    sum += inv[((long)k * n) + i] * inv[((long)k * n) + j];
                }

                hinv[((long)i * n) + j] = sum;
                hinv[((long)j * n) + i] = sum;
            }
        }

        var lower = Cholesky(hinv, n) ?? throw new PlanException(
            $"Gptq: the inverse Hessian of {module} is not positive definite; raise damp_percent (e.g. 0.1).");
        var upper = new double[(long)n * n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c <= r; c++)
            {
                upper[((long)c * n) + r] = lower[((long)r * n) + c];
            }
        }

        return upper;
    }

    /// <summary>The lower Cholesky factor of a symmetric matrix, or null when it is not positive definite.</summary>
    private static double[]? Cholesky(double[] a, int n)
    {
        var l = new double[(long)n * n];
        for (var j = 0; j < n; j++)
        {
            var sum = a[((long)j * n) + j];
            for (var k = 0; k < j; k++)
            {
                sum -= l[((long)j * n) + k] * l[((long)j * n) + k];
            }

            if (!(sum > 0))
            {
                return null;
            }

            var diag = Math.Sqrt(sum);
            l[((long)j * n) + j] = diag;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[((long)i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    s -= l[((long)i * n) + k] * l[((long)j * n) + k];
                }

                l[((long)i * n) + j] = s / diag;
            }
        }

        return l;
    }

    private static double[] Permute(double[] h, int n, int[] order)
    {
        var result = new double[h.Length];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[((long)i * n) + j] = h[((long)order[i] * n) + order[j]];
            }
        }

        return result;
    }

    private static PackedWeight Pack(int rows, int columns, QuantSpec spec, int[] codes, float[] scales, int[] zeros)
    {
        var groups = spec.GroupsOf(columns);
        var rowBytes = PackedWeight.PackedBytes(columns, spec.Bits);
        var zeroBytes = PackedWeight.PackedBytes(groups, spec.Bits);
        var packed = new byte[(long)rows * rowBytes];
        var packedZeros = spec.Symmetric ? null : new byte[(long)rows * zeroBytes];
        for (var r = 0; r < rows; r++)
        {
            PackedWeight.Pack(codes.AsSpan(r * columns, columns), packed.AsSpan(r * rowBytes, rowBytes), spec.Bits);
            if (packedZeros is not null)
            {
                PackedWeight.Pack(zeros.AsSpan(r * groups, groups), packedZeros.AsSpan(r * zeroBytes, zeroBytes), spec.Bits);
            }
        }

        return new PackedWeight(rows, columns, spec, packed, scales, packedZeros);
    }
}
