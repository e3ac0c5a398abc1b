using OliveNet.Runtime.Speech;

namespace OliveNet.Engine.Data.Speech;

/// <summary>One clip of a speech data config: its name, audio at the config's sample rate, and reference transcript.</summary>
/// <param name="FileName">The audio file's path relative to the metadata file (Olive's per-sample <c>file_name</c>).</param>
/// <param name="Audio">Mono audio resampled to the config's <c>sample_rate</c>.</param>
/// <param name="Text">The reference transcript (the <c>text_col</c> column).</param>
public sealed record SpeechSample(string FileName, Audio Audio, string Text);

/// <summary>The clips of a speech data config, in dataset order, and the rate they were resampled to.</summary>
public sealed record SpeechData(IReadOnlyList<SpeechSample> Samples, int SampleRate)
{
    /// <summary>Total audio length in seconds (samples / sample rate, as Olive's rtfx counts it).</summary>
    public double Seconds => Samples.Sum(s => s.Audio.Samples.Length) / (double)SampleRate;
}
