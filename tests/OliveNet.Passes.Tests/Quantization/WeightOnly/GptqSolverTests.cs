using OliveNet.Passes.Quantization.WeightOnly;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>The GPTQ update on synthetic problems where its result is known.</summary>
public sealed class GptqSolverTests
{
    private const int Rows = 24, Columns = 64, Tokens = 512;

    [Fact]
    public void With_uncorrelated_inputs_gptq_is_round_to_nearest()
    {
        // H ∝ I: H⁻¹'s Cholesky factor is diagonal, so no error reaches another column and every group sees its own values.
        var w = Weight(1);
        var h = new double[Columns * Columns];
        for (var i = 0; i < Columns; i++)
        {
            h[(i * Columns) + i] = 3.0;
        }

        var spec = new QuantSpec(4, 16, false);
        var gptq = GptqSolver.Quantize(w, Rows, Columns, h, spec, "F32", 0.01, false, "test");
        var rtn = GroupQuantizer.Rtn(w, Rows, Columns, spec, "F32");
        Assert.Equal(rtn.Codes, gptq.Codes);
        Assert.Equal(rtn.Scales, gptq.Scales);
        Assert.Equal(rtn.Zeros, gptq.Zeros);
    }

    [Theory]
    [InlineData(4, 16, false, false)]
    [InlineData(4, -1, true, true)]
    [InlineData(4, 64, true, false)]
    public void On_correlated_inputs_gptq_reconstructs_the_layer_output_better_than_round_to_nearest(int bits, int group, bool symmetric, bool actOrder)
    {
        var random = new Random(3);
        var w = Weight(2);

        // Inputs with strongly correlated features: x = A·z, z standard normal, A random (a low-rank-ish mixing).
        var mix = Enumerable.Range(0, Columns * 8).Select(_ => Normal(random)).ToArray();
        var x = new float[Tokens * Columns];
        for (var t = 0; t < Tokens; t++)
        {
            var z = Enumerable.Range(0, 8).Select(_ => Normal(random)).ToArray();
            for (var c = 0; c < Columns; c++)
            {
                x[(t * Columns) + c] = (float)(Enumerable.Range(0, 8).Sum(k => mix[(c * 8) + k] * z[k]) + (0.05 * Normal(random)));
            }
        }

        var acc = new HessianAccumulator(Columns);
        acc.Add(x);
        var spec = new QuantSpec(bits, group, symmetric);
        var gptq = GptqSolver.Quantize(w, Rows, Columns, acc.Hessian(), spec, "F32", 0.01, actOrder, "test").Dequantize();
        var rtn = GroupQuantizer.Rtn(w, Rows, Columns, spec, "F32").Dequantize();

        // GPTQ minimizes ‖X·Wᵀ − X·Qᵀ‖² greedily with the exact optimal compensation per column; on inputs this correlated
        // the error left by RTN is several times larger.
        var eGptq = OutputError(x, w, gptq);
        var eRtn = OutputError(x, w, rtn);
        Assert.True(eGptq < eRtn / 2, $"GPTQ output error {eGptq:G4} vs RTN {eRtn:G4}");
    }

    private static float[] Weight(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Rows * Columns).Select(_ => (float)(0.1 * Normal(random))).ToArray();
    }

    private static double OutputError(float[] x, float[] w, float[] q)
    {
        double sum = 0;
        for (var t = 0; t < Tokens; t++)
        {
            for (var r = 0; r < Rows; r++)
            {
                double d = 0;
                for (var c = 0; c < Columns; c++)
                {
                    d += x[(t * Columns) + c] * ((double)w[(r * Columns) + c] - q[(r * Columns) + c]);
                }

                sum += d * d;
            }
        }

        return sum;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
