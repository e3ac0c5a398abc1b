namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>Exact-match rate and character error rate (edit distance / reference length, summed over lines) of a variant.</summary>
internal sealed record RecognitionScore(string Variant, int Exact, int Lines, int Edits, int ReferenceCharacters)
{
    public double ExactMatch => (double)Exact / Lines;

    public double Cer => (double)Edits / ReferenceCharacters;

    /// <summary>Scores predictions against labels, line by line.</summary>
    public static RecognitionScore Of(string variant, IReadOnlyList<string> labels, IReadOnlyList<string> predictions)
    {
        Assert.Equal(labels.Count, predictions.Count);
        var exact = labels.Zip(predictions).Count(p => p.First == p.Second);
        var edits = labels.Zip(predictions).Sum(p => EditDistance(p.First, p.Second));
        return new(variant, exact, labels.Count, edits, labels.Sum(l => l.Length));
    }

    public string Row() => $"| {Variant,-24} | {Exact,2}/{Lines} ({ExactMatch,6:P1}) | {Cer,6:P2} |";

    public static string Header() => $"| {"variant",-24} | {"exact match",-14} | {"CER",-6} |";

    /// <summary>Levenshtein distance: insertions, deletions and substitutions cost 1.</summary>
    public static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
