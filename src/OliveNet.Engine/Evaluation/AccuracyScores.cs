namespace OliveNet.Engine.Evaluation;

/// <summary>Accuracy sub-types over predictions and labels (class indices or text).</summary>
public static class AccuracyScores
{
    /// <summary>Fraction of predictions equal to their label (accuracy_score, and exact_match for text).</summary>
    public static double Accuracy(IReadOnlyList<object> predictions, IReadOnlyList<object> labels) =>
        predictions.Zip(labels).Count(p => Equals(Normalize(p.First), Normalize(p.Second))) / (double)labels.Count;

    /// <summary>
    /// Precision, recall and F1 per class, averaged: <c>macro</c> (unweighted mean over the classes seen in labels or
    /// predictions; a class with no predictions has precision 0) or <c>micro</c> (global counts, equal to accuracy for
    /// single-label data).
    /// </summary>
    public static (double Precision, double Recall, double F1) PrecisionRecallF1(IReadOnlyList<object> predictions, IReadOnlyList<object> labels, string average = "macro")
    {
        var pairs = predictions.Zip(labels).Select(p => (Pred: Normalize(p.First), Label: Normalize(p.Second))).ToList();
        if (average == "micro")
        {
            var accuracy = pairs.Count(p => Equals(p.Pred, p.Label)) / (double)pairs.Count;
            return (accuracy, accuracy, accuracy);
        }

        var classes = pairs.Select(p => p.Label).Concat(pairs.Select(p => p.Pred)).Distinct().ToList();
        double precision = 0, recall = 0, f1 = 0;
        foreach (var c in classes)
        {
            var tp = pairs.Count(p => Equals(p.Pred, c) && Equals(p.Label, c));
            var fp = pairs.Count(p => Equals(p.Pred, c) && !Equals(p.Label, c));
            var fn = pairs.Count(p => !Equals(p.Pred, c) && Equals(p.Label, c));
            var pc = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
            var rc = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
            precision += pc;
            recall += rc;
            f1 += pc + rc == 0 ? 0 : 2 * pc * rc / (pc + rc);
        }

        return (precision / classes.Count, recall / classes.Count, f1 / classes.Count);
    }

    /// <summary>Fraction of rows whose label index is among the <paramref name="k"/> highest scores.</summary>
    public static double TopK(IReadOnlyList<float[]> scores, IReadOnlyList<object> labels, int k) =>
        scores.Zip(labels).Count(p =>
        {
            var label = Convert.ToInt32(Normalize(p.Second), System.Globalization.CultureInfo.InvariantCulture);
            var better = p.First.Count(s => s > p.First[label]);
            return better < k;
        }) / (double)labels.Count;

    /// <summary>
    /// Area under the ROC curve (Olive's <c>auroc</c>, torchmetrics' AUROC). <c>binary</c> (Olive's default task): the
    /// score of a row is its only value, or, for two values, the second class's softmax probability; labels are 0/1.
    /// <c>multiclass</c>: softmax over each row, then the unweighted mean of the one-vs-rest areas of the classes that
    /// have both positive and negative rows. Ties count half (the Mann–Whitney statistic). NaN when a class is missing.
    /// </summary>
    public static double Auroc(IReadOnlyList<float[]> scores, IReadOnlyList<object> labels, string task = "binary")
    {
        var classes = labels.Select(l => Convert.ToInt32(Normalize(l), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (task == "binary")
        {
            var binary = scores.Select(row => row.Length == 2 ? Softmax(row)[1] : row[0]).ToArray();
            return RankArea(binary, classes.Select(c => c == 1).ToArray());
        }

        var probabilities = scores.Select(Softmax).ToList();
        var width = probabilities.Count == 0 ? 0 : probabilities[0].Length;
        var areas = Enumerable.Range(0, width)
            .Select(c => RankArea(probabilities.Select(p => p[c]).ToArray(), classes.Select(l => l == c).ToArray()))
            .Where(a => !double.IsNaN(a))
            .ToList();
        return areas.Count == 0 ? double.NaN : areas.Average();
    }

    /// <summary>P(score of a positive &gt; score of a negative) + ½·P(equal), from average ranks.</summary>
    private static double RankArea(double[] score, bool[] positive)
    {
        var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
        var ranks = new double[score.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && score[order[j + 1]] == score[order[i]])
            {
                j++;
            }

            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = ((i + j) / 2.0) + 1;
            }

            i = j + 1;
        }

        long positives = positive.Count(p => p), negatives = positive.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        var sum = ranks.Where((_, i) => positive[i]).Sum();
        return (sum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    private static double[] Softmax(float[] row)
    {
        var max = row.Max();
        var e = row.Select(v => Math.Exp(v - max)).ToArray();
        var total = e.Sum();
        return e.Select(v => v / total).ToArray();
    }

    /// <summary>Character error rate: total edit distance over total label characters.</summary>
    public static double CharacterErrorRate(IReadOnlyList<object> predictions, IReadOnlyList<object> labels) =>
        ErrorRate(predictions, labels, s => s.Select(c => c.ToString()).ToArray());

    /// <summary>
    /// Word error rate over the corpus (Olive's <c>wer</c>, torchmetrics' WordErrorRate): total word edit distance
    /// (substitutions + insertions + deletions) over total reference words, words split on whitespace. With
    /// <paramref name="normalize"/> (Olive's default) both sides first go through <see cref="NormalizeForWer"/>, so case and
    /// punctuation are not counted as errors.
    /// </summary>
    public static double WordErrorRate(IReadOnlyList<object> predictions, IReadOnlyList<object> labels, bool normalize = true) =>
        ErrorRate(predictions, labels, s => (normalize ? NormalizeForWer(s) : s).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Olive's WER normalization: lower case, every character that is neither a word character (letter, digit, '_') nor
    /// white space replaced by a space, runs of white space collapsed, ends trimmed. "Hello, World!" → "hello world";
    /// "don't" → "don t".
    /// </summary>
    public static string NormalizeForWer(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            // Punctuation and white space alike separate words.
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                builder.Append(c);
            }
            else if (builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }

        return builder.ToString().Trim();
    }

    /// <summary>Levenshtein distance between two token sequences (insert, delete, substitute cost 1).</summary>
    public static int EditDistance(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = Enumerable.Range(0, b.Count + 1).ToArray();
        var current = new int[b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Count; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Count];
    }

    private static double ErrorRate(IReadOnlyList<object> predictions, IReadOnlyList<object> labels, Func<string, string[]> split)
    {
        var errors = 0L;
        var total = 0L;
        foreach (var (prediction, label) in predictions.Zip(labels))
        {
            var reference = split(label.ToString() ?? string.Empty);
            errors += EditDistance(split(prediction.ToString() ?? string.Empty), reference);
            total += reference.Length;
        }

        return total == 0 ? 0 : errors / (double)total;
    }

    /// <summary>Integers of any width compare equal to each other.</summary>
    private static object Normalize(object value) => value switch
    {
        int or long or short or byte => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        _ => value,
    };
}
