using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Tests.Evaluation;

/// <summary>Fidelity sub-types on outputs worked by hand.</summary>
public sealed class FidelityScoresTests
{
    [Fact]
    public void Identical_outputs_agree_perfectly()
    {
        var scores = new FidelityScores();
        float[] row = [0.1f, 0.2f, 0.7f, 0.5f, 0.25f, 0.25f];
        scores.Add(row, row, 3);

        var v = scores.Values();
        Assert.Equal(0, v["max_abs"]);
        Assert.Equal(0, v["mean_abs"]);
        Assert.Equal(1, v["cosine"], 12);
        Assert.Equal(1, v["top1_agreement"]);
        Assert.Equal(0, v["kl"], 12);
    }

    [Fact]
    public void Differences_agreement_and_kl_match_hand_computation()
    {
        var scores = new FidelityScores();
        // Two distributions of 2 classes. Row 0: p = (0.5, 0.5), q = (0.75, 0.25): argmax 0 vs 0 agree.
        // Row 1: p = (0.25, 0.75), q = (0.5, 0.5): argmax 1 vs 0 (the first of a tie) disagree.
        scores.Add([0.5f, 0.5f, 0.25f, 0.75f], [0.75f, 0.25f, 0.5f, 0.5f], 2);

        var v = scores.Values();
        Assert.Equal(0.25, v["max_abs"], 6);
        Assert.Equal(0.25, v["mean_abs"], 6);
        Assert.Equal(0.5, v["top1_agreement"]);
        // KL row 0 = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25); row 1 = 0.25 ln(0.25/0.5) + 0.75 ln(0.75/0.5); mean of both.
        var kl0 = (0.5 * Math.Log(0.5 / 0.75)) + (0.5 * Math.Log(0.5 / 0.25));
        var kl1 = (0.25 * Math.Log(0.25 / 0.5)) + (0.75 * Math.Log(0.75 / 0.5));
        Assert.Equal((kl0 + kl1) / 2, v["kl"], 6);
        // cosine = Σpq / (|p||q|) = (0.375 + 0.125 + 0.125 + 0.375) / sqrt(1.125 × 1.125) = 1 / 1.125
        Assert.Equal(1.0 / 1.125, v["cosine"], 6);
    }
}
