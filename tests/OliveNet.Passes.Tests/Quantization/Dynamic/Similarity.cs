namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>Whole-output comparisons for quantized models.</summary>
internal static class Similarity
{
    /// <summary>Cosine similarity of two outputs as flat vectors, in double.</summary>
    public static double Cosine(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Fraction of rows (of <paramref name="width"/> values each) whose argmax agrees.</summary>
    public static double ArgmaxAgreement(float[] a, float[] b, int width)
    {
        var rows = a.Length / width;
        var agree = 0;
        for (var r = 0; r < rows; r++)
        {
            if (Argmax(a.AsSpan(r * width, width)) == Argmax(b.AsSpan(r * width, width)))
            {
                agree++;
            }
        }

        return (double)agree / rows;
    }

    private static int Argmax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}
