using System.Diagnostics;
using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// SelectiveMixedPrecision kld_gradient: a deterministic plan that promotes exactly the units its score ranks most
/// sensitive (tiny Qwen3 fixture), a central difference that does not depend on its step, and on the KJV-trained Llama
/// a plan whose Rtn export scores no worse on held-out text than plans of the same ratio chosen at random.
/// </summary>
public sealed class KldGradientTests(ITestOutputHelper output)
{
    private static readonly ExportSettings Fp32Activations = new("fp32", 32, true, 0, false, false);

    [Fact]
    public void Kld_gradient_plan_is_deterministic_and_promotes_the_units_the_score_ranks_most_sensitive()
    {
        using var temp = new TempFolder();
        var source = HfFixtures.Checkpoint("qwen3");
        var options = new SelectiveMixedPrecisionOptions
        {
            Algorithm = "kld_gradient", Ratio = 0.7, GroupSize = 32, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 32, MaxSamples = 3,
        };
        SelectiveMixedPrecisionPass.Annotate(source, temp.Sub("a"), options, TextWriter.Null);
        SelectiveMixedPrecisionPass.Annotate(source, temp.Sub("b"), options, TextWriter.Null);
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp.Sub("a"), "config.json")), File.ReadAllBytes(Path.Combine(temp.Sub("b"), "config.json")));
        Assert.False(Directory.Exists(Path.Combine(temp.Sub("a"), ".kld-work")));

        var config = CheckpointInput.Config(source);
        using var checkpoint = SafeTensorsCheckpoint.Open(source);
        var modules = MixedPrecisionScores.Modules(checkpoint, tied: true);
        var units = MixedPrecisionScores.Units(modules);
        var scores = SelectiveMixedPrecisionPass.KldScores(source, config, checkpoint, modules, units, options, temp.Sub("scores"), TextWriter.Null);
        Assert.Equal(units.Count, scores.Values.Distinct().Count()); // a real signal: no two units tie

        var plan = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("a"), "config.json")))!["mixed_precision_info"]!;
        var promoted = plan["overrides"]!.AsObject().Select(kv => kv.Key).Where(k => k != "model.embed_tokens").ToHashSet();
        Assert.All(promoted, name => Assert.Equal(8, plan["overrides"]![name]!["bits"]!.GetValue<int>()));
        Assert.Equal(4, plan["default"]!["bits"]!.GetValue<int>());

        // The promoted units are the lowest scores, and just enough of them to reach (1 − ratio) of the parameters.
        var numel = modules.ToDictionary(m => m.Name, m => (long)m.Rows * m.Columns);
        var ranked = units.OrderBy(u => scores[u[0]]).ToList();
        var taken = ranked.TakeWhile(u => promoted.Contains(u[0])).ToList();
        Assert.Equal(promoted.Count, taken.Sum(u => u.Length));
        Assert.All(taken, u => Assert.All(u, n => Assert.Contains(n, promoted)));
        var total = units.Sum(u => u.Sum(n => numel[n]));
        var kept = taken.Sum(u => u.Sum(n => numel[n]));
        Assert.True(kept >= total * 0.3 && kept - taken[^1].Sum(n => numel[n]) < total * 0.3, $"promoted {kept} of {total} parameters");
    }

    [Fact]
    public void Kld_gradient_refuses_a_recipe_without_calibration_text_and_names_both_ways_to_give_it()
    {
        var errors = new SelectiveMixedPrecisionPass().Validate(new SelectiveMixedPrecisionOptions { Algorithm = "kld_gradient", Ratio = 0.65 }, default!);
        var error = Assert.Single(errors);
        Assert.Contains("calibration_text", error, StringComparison.Ordinal);
        Assert.Contains("data_config", error, StringComparison.Ordinal);
    }

    [Fact]
    public void On_the_kjv_model_the_central_difference_does_not_depend_on_its_step_and_the_plan_beats_random_plans()
    {
        using var temp = new TempFolder();
        var source = KjvPerplexityTests.Checkpoint;
        var config = CheckpointInput.Config(source);
        var hf = HfConfig.Load(source);
        var low = new QuantSpec(4, 128, false);
        var high = new QuantSpec(8, 128, false);
        using (var checkpoint = SafeTensorsCheckpoint.Open(source))
        {
            var modules = MixedPrecisionScores.Modules(checkpoint, tied: true);
            var units = MixedPrecisionScores.Units(modules);
            var samples = CalibrationSamples.Load(source, hf, "test", WeightOnlyFixtures.CalibrationText, null, 128, 4);
            var steps = new[] { 1.0, 0.5, 0.25 };
            var d = steps.Select((h, i) => new KldGradient(config, hf, checkpoint, temp.Sub($"fd{i}"), TextWriter.Null).Alignments(modules, units, low, high, samples, h)).ToList();
            var scale = units.Max(u => Math.Abs(d[2][u[0]]));
            output.WriteLine("| unit | D(1) | D(0.5) | D(0.25) |\n|---|---|---|---|");
            foreach (var u in units)
            {
                output.WriteLine($"| {u[0]} | {d[0][u[0]]:E3} | {d[1][u[0]]:E3} | {d[2][u[0]]:E3} |");
            }

            // Richardson: D(h) = f′ + c·h² + O(h⁴), so the error of D(0.5) is about 4/3·|D(0.5) − D(0.25)|. The plan only
            // uses which units fall before the ratio's cut in the order of per-parameter scores, so the bound that
            // matters is at the cut: the errors of the last promoted and the first kept unit must be smaller than the
            // gap between their scores, so no step error can move the cut (near-ties elsewhere cannot change the plan).
            var numel = modules.ToDictionary(m => m.Name, m => (double)m.Rows * m.Columns);
            double PerParameter(Dictionary<string, double> a, string[] u) => a[u[0]] / u.Sum(n => numel[n]);
            double Error(string[] u) => Math.Abs(PerParameter(d[1], u) - PerParameter(d[2], u)) * 4 / 3;
            var worst = units.Max(u => Math.Abs(d[1][u[0]] - d[2][u[0]]) * 4 / 3);
            output.WriteLine($"largest estimated error of D(0.5): {worst:E3} ({worst / scale:P2} of the largest alignment)");
            var ranked = units.OrderByDescending(u => PerParameter(d[1], u)).ToList();
            var total = units.Sum(u => u.Sum(n => numel[n]));
            var cut = 0;
            for (double promoted = 0; promoted < total * (1 - 0.65); cut++)
            {
                promoted += ranked[cut].Sum(n => numel[n]);
            }

            var (last, first) = (ranked[cut - 1], ranked[cut]);
            var gap = PerParameter(d[1], last) - PerParameter(d[1], first);
            output.WriteLine($"cut at ratio 0.65 between {last[0]} and {first[0]}: score gap {gap:E2}, step errors {Error(last):E2} + {Error(first):E2} per parameter");
            Assert.True(Error(last) + Error(first) < gap, $"the step error could move the cut between {last[0]} and {first[0]}");
            Assert.Equal(ranked.Take(cut).Select(u => u[0]).Order(), units.OrderByDescending(u => PerParameter(d[2], u)).Take(cut).Select(u => u[0]).Order());
        }

        var ids = HeldOut();
        var fp32 = KjvPerplexityTests.Perplexity(temp.Sub("fp32"), Fp32Activations, ids);
        double Ppl(string name, string checkpointFolder) =>
            KjvPerplexityTests.Perplexity(WeightOnlyFixtures.Rtn(checkpointFolder, temp.Sub($"{name}-rtn"), new RtnOptions { Bits = 4, GroupSize = 128, LmHead = true, Embeds = true }), temp.Sub($"{name}-onnx"), Fp32Activations, ids);

        const double Ratio = 0.65; // Olive's Qwen3 / Phi-4-mini recipes
        var rtn = Ppl("rtn", source);
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        var kldPlan = temp.Sub("smp-kld");
        SelectiveMixedPrecisionPass.Annotate(source, kldPlan, Options("kld_gradient", Ratio), log);
        var kldSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(log.ToString());
        var kld = Ppl("kld", kldPlan);
        output.WriteLine($"| plan | held-out perplexity |\n|---|---|\n| fp32 | {fp32:F4} |\n| Rtn 4-bit g128 | {rtn:F4} |\n| SMP kld_gradient {Ratio} → Rtn ({kldSeconds:F1} s) | {kld:F4} |");
        foreach (var (algorithm, ratio) in new[] { ("snr", (double?)Ratio), ("k_quant_mixed", null) })
        {
            var plan = temp.Sub($"smp-{algorithm}");
            SelectiveMixedPrecisionPass.Annotate(source, plan, Options(algorithm, ratio), TextWriter.Null);
            output.WriteLine($"| SMP {algorithm} {ratio} → Rtn | {Ppl(algorithm, plan):F4} |");
        }

        // Random plans of the same ratio: the same greedy fill over a seeded random order of the same units.
        var random = new List<double>();
        using (var checkpoint = SafeTensorsCheckpoint.Open(source))
        {
            var modules = MixedPrecisionScores.Modules(checkpoint, tied: true);
            var units = MixedPrecisionScores.Units(modules);
            for (var seed = 1; seed <= 8; seed++)
            {
                var rng = new Random(seed);
                var scores = units.ToDictionary(u => u[0], _ => rng.NextDouble());
                var (defaults, overrides) = MixedPrecisionScores.Select(modules, units, scores, Options("kld_gradient", Ratio));
                var plan = temp.Sub($"random{seed}");
                SelectiveMixedPrecisionPass.WritePlan(source, plan, CheckpointInput.Config(source), defaults, overrides, tied: true);
                random.Add(Ppl($"random{seed}", plan));
                output.WriteLine($"| random order (seed {seed}) {Ratio} → Rtn | {random[^1]:F4} |");
            }
        }

        Assert.True(kld < random.Average(), $"kld_gradient plan perplexity {kld:F4} is not below the random plans' mean {random.Average():F4} ({string.Join(", ", random.Select(r => r.ToString("F4")))})");
    }

    private static SelectiveMixedPrecisionOptions Options(string algorithm, double? ratio) => new()
    {
        Algorithm = algorithm, Ratio = ratio, Bits = 4, GroupSize = 128, CalibrationText = WeightOnlyFixtures.CalibrationText, MaxSeqLen = 128, MaxSamples = 16,
    };

    private static long[] HeldOut()
    {
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..KjvPerplexityTests.HeldOutBytes];
        return Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Select(i => (long)i).ToArray();
    }
}
