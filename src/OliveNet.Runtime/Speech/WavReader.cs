using System.Buffers.Binary;

namespace OliveNet.Runtime.Speech;

/// <summary>Decoded audio: samples in [-1, 1), one channel, at <see cref="SampleRate"/> Hz.</summary>
/// <param name="Samples">Mono samples; a multi-channel file is averaged over its channels.</param>
/// <param name="SampleRate">Samples per second.</param>
public sealed record Audio(float[] Samples, int SampleRate)
{
    /// <summary>Length in seconds.</summary>
    public double Seconds => Samples.Length / (double)SampleRate;
}

/// <summary>
/// Reads RIFF WAVE files: PCM 8 (unsigned), 16, 24 and 32-bit integers, IEEE float 32 and 64, plain or
/// WAVE_FORMAT_EXTENSIBLE, any rate and channel count. Integers scale as libsndfile reads them (16-bit: x / 32768), and
/// channels are averaged to mono, as Hugging Face's <c>Audio</c> feature does by default. Writes 16-bit mono PCM. The one
/// WAV implementation: the speech data configs (Engine) and <see cref="Generation.GenAISpeechModel"/> both use it.
/// </summary>
public static class WavReader
{
    private const ushort Pcm = 1;
    private const ushort Float = 3;
    private const ushort Extensible = 0xFFFE;

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="where"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">Not a WAVE file, a sample format it does not read, or a truncated file; the
    /// message names <paramref name="where"/> and says what to do.</exception>
    public static Audio Read(ReadOnlySpan<byte> bytes, string where)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException($"{where}: not a WAV file (no RIFF/WAVE header); convert it to WAV, e.g. ffmpeg -i in.flac out.wav");
        }

        ushort format = 0, channels = 0, bits = 0;
        var rate = 0;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = bytes.Slice(offset, 4);
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 4, 4)), (uint)(bytes.Length - offset - 8));
            var body = bytes.Slice(offset + 8, size);
            if (id.SequenceEqual("fmt "u8) && size >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == Extensible && size >= 26)
                {
                    // The sub-format GUID starts with the plain format code.
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (channels == 0 || rate <= 0)
                {
                    throw new InvalidDataException($"{where}: the WAV file has no valid fmt chunk before its data");
                }

                return new Audio(Decode(body, format, bits, channels, where), rate);
            }

            offset += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{where}: the WAV file has no data chunk");
    }

    /// <summary>Reads the WAV file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not a WAV file it reads; the message names the file.</exception>
    public static Audio Read(string path) => Read(File.ReadAllBytes(path), path);

    private static float[] Decode(ReadOnlySpan<byte> data, ushort format, ushort bits, ushort channels, string where)
    {
        var width = bits / 8;
        if (!(format == Pcm && bits is 8 or 16 or 24 or 32) && !(format == Float && bits is 32 or 64))
        {
            throw new InvalidDataException($"{where}: WAV format {format} with {bits}-bit samples is not read; use PCM 8/16/24/32-bit or float 32/64-bit");
        }

        var frames = data.Length / (width * channels);
        var samples = new float[frames];
        for (var f = 0; f < frames; f++)
        {
            double sum = 0;
            for (var c = 0; c < channels; c++)
            {
                var s = data.Slice(((f * channels) + c) * width, width);
                sum += (format, bits) switch
                {
                    (Pcm, 8) => (s[0] - 128) / 128.0,
                    (Pcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768.0,
                    (Pcm, 24) => ((s[0] << 8 | s[1] << 16 | s[2] << 24) >> 8) / 8388608.0,
                    (Pcm, _) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0,
                    (_, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
                    _ => BinaryPrimitives.ReadDoubleLittleEndian(s),
                };
            }

            samples[f] = (float)(sum / channels);
        }

        return samples;
    }

    /// <summary>16-bit PCM mono WAV bytes of <paramref name="audio"/> (samples clipped to [-1, 1] and rounded), as
    /// libsndfile writes float audio to WAV by default.</summary>
    public static byte[] WritePcm16(Audio audio)
    {
        var bytes = new byte[44 + (audio.Samples.Length * 2)];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], bytes.Length - 8);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], Pcm);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], audio.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], audio.SampleRate * 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], audio.Samples.Length * 2);
        for (var i = 0; i < audio.Samples.Length; i++)
        {
            var v = Math.Round(Math.Clamp(audio.Samples[i], -1f, 1f) * 32768.0, MidpointRounding.ToEven);
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (2 * i))..], (short)Math.Clamp(v, short.MinValue, short.MaxValue));
        }

        return bytes;
    }
}
