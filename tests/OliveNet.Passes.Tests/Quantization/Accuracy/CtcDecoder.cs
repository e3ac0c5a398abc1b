namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>
/// Greedy CTC over PP-OCR's classes: 0 is the blank, 1..n are the lines of <c>ppocr_keys_v1.txt</c> in order, and the
/// last class is a space (PaddleOCR appends it when <c>use_space_char</c> is on).
/// </summary>
internal sealed class CtcDecoder
{
    private readonly string[] _characters;

    public CtcDecoder(string dictionaryPath)
    {
        var text = File.ReadAllText(dictionaryPath);
        var lines = text.Split('\n');
        // The file ends without a newline: a trailing empty entry would shift the space class by one.
        if (lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        _characters = ["", .. lines.Select(l => l.TrimEnd('\r')), " "];
    }

    /// <summary>Blank + dictionary + space.</summary>
    public int Classes => _characters.Length;

    /// <summary>Argmax per time step of a [steps, classes] softmax, repeats collapsed, blanks dropped.</summary>
    public string Decode(ReadOnlySpan<float> probabilities)
    {
        Assert.True(probabilities.Length % Classes == 0, $"{probabilities.Length} probabilities are not whole steps of {Classes} classes.");
        var text = new System.Text.StringBuilder();
        var previous = -1;
        for (var step = 0; step < probabilities.Length / Classes; step++)
        {
            var best = ArgMax(probabilities.Slice(step * Classes, Classes));
            if (best != 0 && best != previous)
            {
                text.Append(_characters[best]);
            }

            previous = best;
        }

        return text.ToString();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
