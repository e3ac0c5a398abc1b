using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Tests.Data.Speech;

/// <summary>
/// The resampler against the math: a pass-band sine comes out as the same sine sampled at the new rate, a tone above
/// the new Nyquist frequency is removed instead of aliasing. Edges (one kernel half-width) are left out, where the
/// kernel runs past the signal.
/// </summary>
public sealed class ResamplerTests
{
    // Kaiser β = 8.6: stop-band about 86 dB down (δ ≈ 5e-5 of the amplitude) and pass-band ripple δ of the same size,
    // so at most 4e-5 for amplitude 0.8. The bounds allow 1e-4 (and 8e-5 for the stop band), which also covers float32
    // rounding (6e-8 per sample, summed over ~200 taps).
    private const double PassBand = 1e-4;
    private const double StopBand = 1e-4;

    [Theory]
    [InlineData(8000, 16000, 440.0)]
    [InlineData(8000, 16000, 1000.0)] // telephone speech up-sampled to Whisper's rate, as GenAISpeechModel does
    [InlineData(44100, 16000, 1000.0)]
    [InlineData(16000, 22050, 3000.0)]
    [InlineData(48000, 16000, 6000.0)]
    public void A_pass_band_sine_keeps_its_amplitude_frequency_and_phase(int from, int to, double hz)
    {
        var input = Sine(from, hz, seconds: 0.5, amplitude: 0.8);
        var output = Resampler.Resample(input, to);

        Assert.Equal(to, output.SampleRate);
        Assert.Equal((int)Math.Ceiling(input.Samples.Length * (double)to / from), output.Samples.Length);
        var margin = (int)(0.01 * to); // 10 ms, more than the kernel's half-width at either rate
        var worst = 0.0;
        for (var n = margin; n < output.Samples.Length - margin; n++)
        {
            var expected = 0.8 * Math.Sin(2 * Math.PI * hz * n / to);
            worst = Math.Max(worst, Math.Abs(output.Samples[n] - expected));
        }

        Assert.True(worst < PassBand, $"{from}→{to} Hz, {hz} Hz tone: largest error {worst:E2}");
    }

    [Theory]
    [InlineData(44100, 16000, 11000.0)] // would fold to 5 kHz
    [InlineData(48000, 16000, 9000.0)] // would fold to 7 kHz
    [InlineData(16000, 8000, 4500.0)] // would fold to 3.5 kHz
    public void A_tone_above_the_new_nyquist_frequency_is_rejected_not_aliased(int from, int to, double hz)
    {
        var output = Resampler.Resample(Sine(from, hz, seconds: 0.5, amplitude: 0.8), to);

        var margin = (int)(0.01 * to);
        var peak = output.Samples.Skip(margin).SkipLast(margin).Max(Math.Abs);
        Assert.True(peak < StopBand * 0.8, $"{from}→{to} Hz, {hz} Hz tone: residue {peak:E2}");
    }

    [Fact]
    public void A_constant_stays_constant_and_the_same_rate_is_a_no_op()
    {
        var dc = new Audio(Enumerable.Repeat(0.5f, 8000).ToArray(), 8000);
        var up = Resampler.Resample(dc, 16000);
        Assert.All(up.Samples.Skip(200).SkipLast(200), v => Assert.Equal(0.5, v, PassBand));
        Assert.Same(dc, Resampler.Resample(dc, 8000));
    }

    [Fact]
    public void Resampling_is_deterministic()
    {
        var input = Sine(44100, 1234.5, 0.2, 0.5);
        Assert.Equal(Resampler.Resample(input, 16000).Samples, Resampler.Resample(input, 16000).Samples);
    }

    private static Audio Sine(int rate, double hz, double seconds, double amplitude) =>
        new(Enumerable.Range(0, (int)(rate * seconds)).Select(n => (float)(amplitude * Math.Sin(2 * Math.PI * hz * n / rate))).ToArray(), rate);
}
