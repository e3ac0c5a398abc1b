using System.Buffers.Binary;
using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Tests.Data.Speech;

public sealed class WavReaderTests
{
    [Fact]
    public void A_real_asterisk_prompt_decodes_at_8_kHz_with_one_sample_per_two_data_bytes()
    {
        var path = AsteriskSounds.Wav("added");
        var bytes = File.ReadAllBytes(path);
        var audio = WavReader.Read(bytes, path);

        // The file is a canonical 44-byte header then 16-bit mono data: (size - 44) / 2 frames.
        Assert.Equal(8000, audio.SampleRate);
        Assert.Equal((bytes.Length - 44) / 2, audio.Samples.Length);
        Assert.Equal(audio.Samples.Length / 8000.0, audio.Seconds);
        Assert.Equal(BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(44 + 200)) / 32768f, audio.Samples[100]);
        Assert.True(audio.Samples.Max(Math.Abs) > 0.1f, "speech, not silence");
    }

    [Fact]
    public void Stereo_24_bit_samples_are_averaged_to_mono_at_their_scale()
    {
        // Two frames, left/right: (2^22, 0) and (-2^23, -2^23) → means 0.25 and -1.
        var data = new byte[] { 0, 0, 0x40, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x80 };
        var audio = WavReader.Read(Wav(1, 2, 44100, 24, data), "t.wav");

        Assert.Equal(44100, audio.SampleRate);
        Assert.Equal([0.25f, -1f], audio.Samples);
    }

    [Fact]
    public void Float_and_8_bit_samples_are_read_and_16_bit_writing_round_trips()
    {
        var floats = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(floats, 0.5f);
        BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4), -0.125f);
        Assert.Equal([0.5f, -0.125f], WavReader.Read(Wav(3, 1, 16000, 32, floats), "f.wav").Samples);
        Assert.Equal([0f, -1f, 127 / 128f], WavReader.Read(Wav(1, 1, 8000, 8, [128, 0, 255]), "u8.wav").Samples);

        var audio = new Audio([0f, 0.5f, -1f, 32767 / 32768f], 16000);
        var back = WavReader.Read(WavReader.WritePcm16(audio), "rt.wav");
        Assert.Equal(audio.Samples, back.Samples);
        Assert.Equal(16000, back.SampleRate);
    }

    [Fact]
    public void A_file_that_is_not_wav_says_so_and_how_to_convert_it()
    {
        var error = Assert.Throws<InvalidDataException>(() => WavReader.Read("fLaC\0\0\0\0\0\0\0\0"u8, "clip.flac"));
        Assert.Contains("clip.flac: not a WAV file", error.Message, StringComparison.Ordinal);
        Assert.Contains("ffmpeg", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Wav(ushort format, ushort channels, int rate, ushort bits, byte[] data)
    {
        var bytes = new byte[44 + data.Length];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), bytes.Length - 8);
        "WAVEfmt "u8.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(20), format);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(22), channels);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), rate);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), rate * channels * bits / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(32), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(34), bits);
        "data"u8.CopyTo(bytes.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40), data.Length);
        data.CopyTo(bytes, 44);
        return bytes;
    }
}
