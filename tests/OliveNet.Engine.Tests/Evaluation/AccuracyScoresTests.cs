using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Tests.Evaluation;

/// <summary>Accuracy sub-types on small cases worked by hand.</summary>
public sealed class AccuracyScoresTests
{
    private const double Tolerance = 1e-12;

    // labels 0 0 1 1 2, predictions 0 1 1 1 0:
    // class 0: tp 1, fp 1, fn 1 → P 1/2, R 1/2, F1 1/2
    // class 1: tp 2, fp 1, fn 0 → P 2/3, R 1,   F1 0.8
    // class 2: tp 0, fp 0, fn 1 → P 0,   R 0,   F1 0
    private static readonly object[] Labels = [0, 0, 1, 1, 2];
    private static readonly object[] Predictions = [0, 1, 1, 1, 0];

    [Fact]
    public void Accuracy_is_the_fraction_of_exact_predictions()
    {
        Assert.Equal(3 / 5.0, AccuracyScores.Accuracy(Predictions, Labels), Tolerance);
        Assert.Equal(1.0, AccuracyScores.Accuracy([3L], [3]), Tolerance);
    }

    [Fact]
    public void Macro_precision_recall_and_f1_average_the_classes()
    {
        var (precision, recall, f1) = AccuracyScores.PrecisionRecallF1(Predictions, Labels);

        Assert.Equal((0.5 + (2 / 3.0) + 0) / 3, precision, Tolerance);
        Assert.Equal((0.5 + 1 + 0) / 3, recall, Tolerance);
        Assert.Equal((0.5 + 0.8 + 0) / 3, f1, Tolerance);
    }

    [Fact]
    public void Micro_averages_equal_accuracy_for_single_label_data()
    {
        var (precision, recall, f1) = AccuracyScores.PrecisionRecallF1(Predictions, Labels, "micro");

        Assert.Equal(0.6, precision, Tolerance);
        Assert.Equal(0.6, recall, Tolerance);
        Assert.Equal(0.6, f1, Tolerance);
    }

    [Fact]
    public void Top_k_counts_labels_among_the_k_best_scores()
    {
        float[][] scores = [[0.1f, 0.7f, 0.2f], [0.5f, 0.3f, 0.2f], [0.2f, 0.3f, 0.5f]];
        object[] labels = [2, 1, 0];

        Assert.Equal(0.0, AccuracyScores.TopK(scores, labels, 1), Tolerance);   // no label is the argmax
        Assert.Equal(2 / 3.0, AccuracyScores.TopK(scores, labels, 2), Tolerance); // 2 is second in row 0, 1 second in row 1, 0 third in row 2
        Assert.Equal(1.0, AccuracyScores.TopK(scores, labels, 3), Tolerance);
    }

    [Fact]
    public void Character_and_word_error_rates_are_edit_distance_over_label_length()
    {
        // "Chapter Xll" vs "Chapter XII": 2 substitutions over 11 characters; 1 wrong word of 2.
        Assert.Equal(2 / 11.0, AccuracyScores.CharacterErrorRate(["Chapter Xll"], ["Chapter XII"]), Tolerance);
        Assert.Equal(1 / 2.0, AccuracyScores.WordErrorRate(["Chapter Xll"], ["Chapter XII"]), Tolerance);
        // kitten → sitting: the textbook Levenshtein distance 3 (two substitutions, one insertion).
        Assert.Equal(3, AccuracyScores.EditDistance([.. "kitten".Select(c => c.ToString())], [.. "sitting".Select(c => c.ToString())]));
        // Two lines pooled: (1 deletion + 0) over (4 + 2) characters.
        Assert.Equal(1 / 6.0, AccuracyScores.CharacterErrorRate(["abc", "de"], ["abcd", "de"]), Tolerance);
    }

    [Fact]
    public void Auroc_is_the_share_of_positive_negative_pairs_ranked_right_with_ties_counting_half()
    {
        // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of the 4 pairs are ordered right.
        Assert.Equal(0.75, AccuracyScores.Auroc([[0.1f], [0.4f], [0.35f], [0.8f]], [0, 0, 1, 1]), Tolerance);
        // One pair, tied: half.
        Assert.Equal(0.5, AccuracyScores.Auroc([[0.5f], [0.5f]], [0, 1]), Tolerance);
        // Two logits per row: the second class's softmax orders rows by logit difference (2, −1, 0.5, −3).
        Assert.Equal(1.0, AccuracyScores.Auroc([[0f, 2f], [1f, 0f], [0f, 0.5f], [3f, 0f]], [1, 0, 1, 0]), Tolerance);
        // Multiclass, one-vs-rest on softmax rows. Class 0: separated, 1. Class 1 (rows 1, 2 against 0, 3): row 1 gives it
        // 1/(2 + e^0.3) ≈ 0.31 < row 3's 1/3, so 3 of 4 pairs. Class 2 (row 3 against 0, 1, 2): row 1 gives it
        // e^0.3/(2 + e^0.3) ≈ 0.40 > 1/3, so 2 of 3. Mean (1 + 3/4 + 2/3)/3.
        Assert.Equal((1 + 0.75 + (2 / 3.0)) / 3, AccuracyScores.Auroc([[3f, 0f, 0f], [0f, 0f, 0.3f], [0f, 3f, 0f], [1f, 1f, 1f]], [0, 1, 1, 2], "multiclass"), Tolerance);
    }

    [Fact]
    public void Word_error_rate_counts_substitutions_insertions_and_deletions_over_the_reference_words()
    {
        // Reference "the cat sat" (3 words): one substitution, one insertion, one deletion.
        Assert.Equal(1 / 3.0, AccuracyScores.WordErrorRate(["the dog sat"], ["the cat sat"]), Tolerance);
        Assert.Equal(1 / 3.0, AccuracyScores.WordErrorRate(["the cat sat down"], ["the cat sat"]), Tolerance);
        Assert.Equal(1 / 3.0, AccuracyScores.WordErrorRate(["the sat"], ["the cat sat"]), Tolerance);
        Assert.Equal(4 / 3.0, AccuracyScores.WordErrorRate(["a b c d"], ["x y z"]), Tolerance); // 3 substitutions + 1 insertion
    }

    [Fact]
    public void Word_error_rate_is_pooled_over_the_corpus_not_averaged_per_clip()
    {
        // 1 error in 1 word and 0 errors in 4 words: 1/5 pooled (a per-clip mean would say 1/2).
        Assert.Equal(1 / 5.0, AccuracyScores.WordErrorRate(["no", "one two three four"], ["yes", "one two three four"]), Tolerance);
    }

    [Fact]
    public void Word_error_rate_ignores_case_and_punctuation_as_olive_does_unless_normalize_is_off()
    {
        Assert.Equal("please enter your password followed by the pound key", AccuracyScores.NormalizeForWer("  Please enter your password,\tfollowed by the POUND key.  "));
        Assert.Equal("don t stop 42 snake_case", AccuracyScores.NormalizeForWer("Don't stop -- 42! snake_case"));
        Assert.Equal(0.0, AccuracyScores.WordErrorRate(["thank you"], ["Thank you."]), Tolerance);
        Assert.Equal(1.0, AccuracyScores.WordErrorRate(["thank you"], ["Thank you."], normalize: false), Tolerance);
    }
}
