using System.Text;
using System.Text.RegularExpressions;

namespace OliveNet.Text.Tokenizers.Normalization;

/// <summary>
/// The normalizer steps a <c>tokenizer.json</c> chains (NFC, Prepend, Replace), plus the space replacement and
/// prefix of a Metaspace pre-tokenizer, applied in order to each stretch of text between added tokens.
/// Immutable and thread-safe.
/// </summary>
internal sealed class TextNormalizer
{
    private readonly List<Step> steps = [];

    /// <summary>When the Metaspace prefix is added (Hugging Face <c>prepend_scheme</c>).</summary>
    public enum PrependScheme
    {
        /// <summary>Before every stretch of text.</summary>
        Always,

        /// <summary>Only before the stretch that starts the input.</summary>
        First,

        /// <summary>Never.</summary>
        Never,
    }

    /// <summary>True when no step is configured.</summary>
    public bool IsEmpty => steps.Count == 0;

    /// <summary>True when the chain contains NFC.</summary>
    public bool HasNfc => steps.Any(s => s.Kind == StepKind.Nfc);

    public void AddNfc() => steps.Add(new Step(StepKind.Nfc, null, null, null));

    public void AddPrepend(string prefix) => steps.Add(new Step(StepKind.Prepend, prefix, null, null));

    public void AddReplace(string literal, string content) => steps.Add(new Step(StepKind.Replace, literal, content, null));

    public void AddReplace(Regex pattern, string content) => steps.Add(new Step(StepKind.RegexReplace, null, content, pattern));

    /// <summary>Metaspace: spaces become <paramref name="replacement"/>, then the prefix per <paramref name="scheme"/>.</summary>
    public void AddMetaspace(string replacement, PrependScheme scheme)
    {
        steps.Add(new Step(StepKind.Replace, " ", replacement, null));
        if (scheme != PrependScheme.Never)
        {
            steps.Add(new Step(scheme == PrependScheme.Always ? StepKind.PrefixUnlessPresent : StepKind.PrefixAtStartUnlessPresent, replacement, null, null));
        }
    }

    /// <summary>
    /// Normalizes one stretch of text; returns null when nothing changes (the common case costs no allocation).
    /// <paramref name="atInputStart"/> says whether the stretch begins the input (for the "first" prepend scheme).
    /// </summary>
    public string? Apply(ReadOnlySpan<char> text, bool atInputStart)
    {
        string? current = null;
        foreach (var step in steps)
        {
            var span = current is null ? text : current.AsSpan();
            var next = step.Kind switch
            {
                StepKind.Nfc => Nfc.IsQuickNormalized(span) ? null : Nfc.Normalize(span.ToString()),
                StepKind.Prepend => span.IsEmpty ? null : string.Concat(step.Text, span),
                StepKind.Replace => span.Contains(step.Text, StringComparison.Ordinal) ? span.ToString().Replace(step.Text!, step.Content, StringComparison.Ordinal) : null,
                StepKind.RegexReplace => step.Pattern!.IsMatch(span) ? step.Pattern.Replace(span.ToString(), step.Content!) : null,
                StepKind.PrefixUnlessPresent => span.IsEmpty || span.StartsWith(step.Text, StringComparison.Ordinal) ? null : string.Concat(step.Text, span),
                StepKind.PrefixAtStartUnlessPresent => !atInputStart || span.IsEmpty || span.StartsWith(step.Text, StringComparison.Ordinal) ? null : string.Concat(step.Text, span),
                _ => null,
            };
            current = next ?? current;
        }

        return current;
    }

    /// <summary>A readable summary for diagnostics, e.g. "NFC, Prepend('▁')".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var step in steps)
        {
            text.Append(text.Length > 0 ? ", " : string.Empty).Append(step.Kind);
        }

        return text.ToString();
    }

    private enum StepKind
    {
        Nfc,
        Prepend,
        Replace,
        RegexReplace,
        PrefixUnlessPresent,
        PrefixAtStartUnlessPresent,
    }

    private sealed record Step(StepKind Kind, string? Text, string? Content, Regex? Pattern);
}
