using System.Globalization;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// How closely a lossy pass's output model follows its input model on the same samples. <see cref="Measure"/> is the
/// value the threshold applies to: top-1 agreement for classifier-like outputs (a Softmax/LogSoftmax result, or an output
/// named like logits or probabilities), cosine similarity otherwise.
/// </summary>
/// <param name="Measure">top1_agreement or cosine; null when the check was skipped.</param>
/// <param name="Value">The measure's value; null when skipped.</param>
/// <param name="Top1Agreement">Share of rows of the last axis whose argmax agrees.</param>
/// <param name="Cosine">Cosine similarity of all output values.</param>
/// <param name="Samples">Samples compared.</param>
/// <param name="Source">Where the samples came from, e.g. <c>data config ocr_lines</c> or <c>seeded random inputs</c>.</param>
/// <param name="Output">The output compared.</param>
/// <param name="Note">Why the check was skipped; null when it ran.</param>
public sealed record PassFidelity(string? Measure, double? Value, double? Top1Agreement, double? Cosine, int Samples, string Source, string? Output, string? Note = null)
{
    /// <summary>The result in words, e.g. <c>top-1 agreement 0.998 (cosine 0.9995) on 40 samples of data config ocr_lines</c>.</summary>
    public string Describe() => Note ?? (Measure == "top1_agreement"
        ? $"top-1 agreement {F(Top1Agreement)} (cosine {F(Cosine)}) with its input on {Samples} samples of {Source}, output {Output}"
        : $"cosine {F(Cosine)} (top-1 agreement {F(Top1Agreement)}) with its input on {Samples} samples of {Source}, output {Output}");

    /// <summary>Rounds to 6 decimals: published in the footprint, which must be byte-identical run to run.</summary>
    public static double Round(double value) => Math.Round(value, 6, MidpointRounding.ToEven);

    private static string F(double? v) => v?.ToString("0.####", CultureInfo.InvariantCulture) ?? "–";
}
