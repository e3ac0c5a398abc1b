using OliveNet.Engine.Assets;

namespace OliveNet.Engine.Data;

/// <summary>
/// The <c>post_process_data_config</c>: turns one model output (the first, or <c>output_name</c>) into one prediction per
/// batch row. <c>argmax</c> gives class indices; <c>ctc_greedy_decode</c> gives text (argmax per time step, repeats
/// collapsed, blanks dropped; classes = blank, the dictionary's lines, then a space when <c>append_space</c>).
/// </summary>
public sealed class OutputDecoder
{
    /// <summary>Post-process types.</summary>
    public static IReadOnlyList<string> Types { get; } = ["argmax", "ctc_greedy_decode"];

    private readonly string _type;
    private readonly string[]? _characters;
    private readonly int _blank;

    private OutputDecoder(string type, string? outputName, string[]? characters, int blank)
    {
        _type = type;
        OutputName = outputName;
        _characters = characters;
        _blank = blank;
    }

    /// <summary>The output to decode; null = the first.</summary>
    public string? OutputName { get; }

    /// <summary>Builds the decoder of a data config (argmax when it has none).</summary>
    /// <exception cref="DataException">Unknown type or unreadable dictionary.</exception>
    public static OutputDecoder Create(DataComponent? component, string where, ModelLocator locator)
    {
        if (component is null)
        {
            return new OutputDecoder("argmax", null, null, 0);
        }

        var p = new ComponentParams($"{where}.post_process_data_config", component.Params);
        var output = p.String("output_name");
        switch (component.Type)
        {
            case "argmax":
                return new OutputDecoder("argmax", output, null, 0);
            case "ctc_greedy_decode":
                var reference = p.RequiredString("dictionary");
                string path;
                try
                {
                    path = locator.Resolve(reference);
                }
                catch (AssetException e)
                {
                    throw new DataException($"{p.Where}: params.dictionary: {e.Message}");
                }

                var lines = File.ReadAllText(path).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
                if (lines.Count > 0 && lines[^1].Length == 0)
                {
                    lines.RemoveAt(lines.Count - 1);
                }

                var blank = p.Int("blank", 0);
                lines.Insert(Math.Min(blank, lines.Count), string.Empty);
                if (p.Bool("append_space", true))
                {
                    lines.Add(" ");
                }

                return new OutputDecoder("ctc", output, [.. lines], blank);
            default:
                throw new DataException($"{p.Where}: type '{component.Type}' is not built in; use one of {string.Join(", ", Types)}");
        }
    }

    /// <summary>One prediction per row of a [rows, …, classes] output.</summary>
    /// <exception cref="DataException">The output's last axis does not match the dictionary.</exception>
    public IReadOnlyList<object> Decode(ReadOnlySpan<float> values, long[] shape)
    {
        var rows = (int)shape[0];
        var perRow = values.Length / Math.Max(1, rows);
        var classes = (int)shape[^1];
        var predictions = new List<object>(rows);
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * perRow, perRow);
            predictions.Add(_type == "argmax" ? Evaluation.FidelityScores.ArgMax(row) : Ctc(row, classes));
        }

        return predictions;
    }

    private string Ctc(ReadOnlySpan<float> row, int classes)
    {
        if (classes != _characters!.Length)
        {
            throw new DataException($"ctc_greedy_decode: the model has {classes} classes, but blank + dictionary{(_characters[^1] == " " ? " + space" : string.Empty)} gives {_characters.Length}; check dictionary and append_space");
        }

        var text = new System.Text.StringBuilder();
        var previous = -1;
        for (var step = 0; step < row.Length / classes; step++)
        {
            var best = Evaluation.FidelityScores.ArgMax(row.Slice(step * classes, classes));
            if (best != _blank && best != previous)
            {
                text.Append(_characters[best]);
            }

            previous = best;
        }

        return text.ToString();
    }
}
