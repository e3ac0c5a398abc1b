using System.Buffers.Binary;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// PCM WAV files for the speech models: reads 16-bit integer or 32-bit float RIFF/WAVE (mono or interleaved channels,
/// mixed down to mono), resamples with a windowed-sinc interpolator, and writes 16-bit mono. ONNX Runtime GenAI's audio
/// decoder only down-samples, so audio below Whisper's 16 kHz (telephone speech at 8 kHz) is up-sampled here first.
/// </summary>
public static class WavAudio
{
    /// <summary>Whisper's sample rate.</summary>
    public const int WhisperRate = 16000;

    // Zero crossings of the sinc kept on each side, and the Kaiser window's shape: with 32 lobes and beta 8.6 the
    // interpolator's stop-band is below -80 dB, far under 16-bit quantization noise of speech.
    private const int Lobes = 32;
    private const double KaiserBeta = 8.6;

    /// <summary>Reads <paramref name="path"/>: mono samples in [-1, 1] and the sample rate.</summary>
    /// <exception cref="InvalidDataException">The file is not a PCM16 or float32 WAV; the message says what it is.</exception>
    public static (float[] Samples, int Rate) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"{path}: not a RIFF/WAVE file.");
        }

        int format = 0, channels = 0, rate = 0, bits = 0;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = bytes.AsSpan(offset, 4);
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4)), (uint)(bytes.Length - offset - 8));
            var body = bytes.AsSpan(offset + 8, size);
            if (id.SequenceEqual("fmt "u8) && size >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == 0xFFFE && size >= 26)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]); // WAVE_FORMAT_EXTENSIBLE: the sub-format's tag
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (channels <= 0 || !((format == 1 && bits == 16) || (format == 3 && bits == 32)))
                {
                    throw new InvalidDataException($"{path}: WAV format {format} with {bits}-bit samples and {channels} channel(s) is not supported; use 16-bit PCM or 32-bit float.");
                }

                var width = bits / 8 * channels;
                var frames = size / width;
                var samples = new float[frames];
                for (var i = 0; i < frames; i++)
                {
                    var sum = 0.0;
                    for (var c = 0; c < channels; c++)
                    {
                        var at = body.Slice(((i * channels) + c) * (bits / 8));
                        sum += format == 1 ? BinaryPrimitives.ReadInt16LittleEndian(at) / 32768.0 : BinaryPrimitives.ReadSingleLittleEndian(at);
                    }

                    samples[i] = (float)(sum / channels);
                }

                return (samples, rate);
            }

            offset += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path}: no fmt and data chunks.");
    }

    /// <summary>
    /// <paramref name="samples"/> at <paramref name="from"/> Hz resampled to <paramref name="to"/> Hz by band-limited
    /// (Kaiser-windowed sinc) interpolation, cut off at the lower of the two Nyquist frequencies.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> samples, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(from);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(to);
        if (from == to)
        {
            return samples.ToArray();
        }

        var count = (int)((long)samples.Length * to / from);
        var result = new float[count];
        var cutoff = Math.Min(1.0, (double)to / from); // of the input's Nyquist frequency
        var half = Lobes / cutoff;                      // window half-width in input samples
        var reach = (int)Math.Ceiling(half);
        var norm = BesselI0(KaiserBeta);

        // Output i sits at input position i·from/to: its integer part advances, its fraction cycles through to/g
        // phases (g = gcd), so each phase's taps are computed once.
        var g = (int)System.Numerics.BigInteger.GreatestCommonDivisor(from, to);
        var phases = to / g;
        var taps = new double[phases, (2 * reach) + 1];
        for (var p = 0; p < phases; p++)
        {
            var fraction = (double)((long)p * g) / to;
            for (var j = -reach; j <= reach; j++)
            {
                var x = fraction - j;
                var r = x / half;
                var window = Math.Abs(r) >= 1 ? 0 : BesselI0(KaiserBeta * Math.Sqrt(1 - (r * r))) / norm;
                var arg = Math.PI * x * cutoff;
                taps[p, j + reach] = cutoff * (Math.Abs(arg) < 1e-12 ? 1.0 : Math.Sin(arg) / arg) * window;
            }
        }

        for (var i = 0; i < count; i++)
        {
            var position = (long)i * from;
            var center = (int)(position / to);
            var phase = (int)(position % to / g);
            var sum = 0.0;
            for (var j = Math.Max(-reach, -center); j <= reach && center + j < samples.Length; j++)
            {
                sum += samples[center + j] * taps[phase, j + reach];
            }

            result[i] = (float)sum;
        }

        return result;
    }

    /// <summary>Writes <paramref name="samples"/> as a 16-bit mono PCM WAV at <paramref name="rate"/> Hz (temp file + rename).</summary>
    public static void Write(string path, ReadOnlySpan<float> samples, int rate)
    {
        var temp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write("RIFF"u8);
            writer.Write(36 + (samples.Length * 2));
            writer.Write("WAVEfmt "u8);
            writer.Write(16);
            writer.Write((short)1);
            writer.Write((short)1);
            writer.Write(rate);
            writer.Write(rate * 2);
            writer.Write((short)2);
            writer.Write((short)16);
            writer.Write("data"u8);
            writer.Write(samples.Length * 2);
            foreach (var v in samples)
            {
                writer.Write((short)Math.Clamp(Math.Round(v * 32767.0), short.MinValue, short.MaxValue));
            }
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The zeroth-order modified Bessel function of the first kind (power series).</summary>
    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (var k = 1; k < 64 && term > 1e-17 * sum; k++)
        {
            term *= q / (k * k);
            sum += term;
        }

        return sum;
    }
}
