namespace OliveNet.Runtime.Speech;

/// <summary>
/// Band-limited resampling by a Kaiser-windowed sinc: each output sample is the input convolved with a low-pass kernel
/// centred on its exact (rational) position. The cut-off is <see cref="Rolloff"/> of the lower Nyquist frequency, so
/// tones above the new Nyquist are rejected instead of folding back (aliasing). Deterministic: the same input gives the
/// same output bits.
/// </summary>
/// <remarks>
/// Kernel: h(τ) = 2·f<sub>c</sub>·sinc(2·f<sub>c</sub>·τ)·w(τ/W) with f<sub>c</sub> in cycles per input sample,
/// W = <see cref="ZeroCrossings"/> / (2·f<sub>c</sub>) input samples and w a Kaiser window of β = <see cref="Beta"/>
/// (stop-band attenuation about 86 dB, pass-band ripple about 5·10⁻⁵). The kernel sums to 1, so DC and pass-band tones
/// keep their amplitude in both directions. Kernels are cached per output phase (outRate / gcd distinct phases).
/// </remarks>
public static class Resampler
{
    /// <summary>Cut-off as a fraction of the lower of the two Nyquist frequencies.</summary>
    public const double Rolloff = 0.945;

    /// <summary>Zero crossings of the sinc on each side of the centre.</summary>
    public const int ZeroCrossings = 32;

    /// <summary>Kaiser window shape.</summary>
    public const double Beta = 8.6;

    /// <summary>Resamples <paramref name="audio"/> to <paramref name="rate"/> Hz; returns it unchanged when the rate is the same.</summary>
    public static Audio Resample(Audio audio, int rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        if (rate == audio.SampleRate)
        {
            return audio;
        }

        var input = audio.Samples;
        long inRate = audio.SampleRate, outRate = rate;
        var g = Gcd(inRate, outRate);
        var step = inRate / g; // input samples advanced per output sample, times phases
        var phases = outRate / g;
        var fc = Rolloff * 0.5 * Math.Min(1.0, outRate / (double)inRate);
        var halfWidth = ZeroCrossings / (2 * fc);
        var reach = (int)Math.Ceiling(halfWidth);
        var count = (int)((input.LongLength * outRate + inRate - 1) / inRate);
        var output = new float[count];
        var kernels = new Dictionary<long, double[]>();
        for (var n = 0; n < count; n++)
        {
            // Exact position n·inRate/outRate = whole + phase/phases input samples.
            var position = n * step;
            var whole = position / phases;
            var phase = position % phases;
            if (!kernels.TryGetValue(phase, out var kernel))
            {
                kernel = Kernel(phase / (double)phases, reach, fc, halfWidth);
                if (phases <= 65536)
                {
                    kernels[phase] = kernel;
                }
            }

            double sum = 0;
            for (var j = 0; j < kernel.Length; j++)
            {
                var k = whole - reach + 1 + j;
                if (k >= 0 && k < input.Length)
                {
                    sum += input[k] * kernel[j];
                }
            }

            output[n] = (float)sum;
        }

        return new Audio(output, rate);
    }

    /// <summary>Taps for input samples whole-reach+1 … whole+reach around a position whole+frac.</summary>
    private static double[] Kernel(double frac, int reach, double fc, double halfWidth)
    {
        var taps = new double[2 * reach];
        var norm = BesselI0(Beta);
        for (var j = 0; j < taps.Length; j++)
        {
            var tau = frac - (j - reach + 1); // distance from the tap's input sample to the position
            var x = tau / halfWidth;
            if (Math.Abs(x) >= 1)
            {
                continue;
            }

            var arg = 2 * fc * tau;
            var sinc = arg == 0 ? 1 : Math.Sin(Math.PI * arg) / (Math.PI * arg);
            taps[j] = 2 * fc * sinc * BesselI0(Beta * Math.Sqrt(1 - (x * x))) / norm;
        }

        return taps;
    }

    /// <summary>The modified Bessel function of the first kind, order 0, by its power series (converges for all x).</summary>
    internal static double BesselI0(double x)
    {
        double sum = 1, term = 1, half = x / 2;
        for (var k = 1; k < 200 && term > sum * 1e-17; k++)
        {
            term *= half / k * (half / k);
            sum += term;
        }

        return sum;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
