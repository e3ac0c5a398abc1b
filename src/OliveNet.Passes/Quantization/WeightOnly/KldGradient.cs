using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// Olive's kld_gradient sensitivity, without autograd. Olive fake-quantizes every linear weight at the default setting
/// (the student), takes L = mean over tokens of KL(teacher ‖ student) against the float model's logits, and scores each
/// module by the alignment g·(W_low − W_high), g = ∂L/∂W_low, averaged over calibration samples. That alignment is the
/// directional derivative −f′(0) of f(ε) = L(W_low + ε·(W_high − W_low)) along that module's own direction, so it is
/// computed here as a central difference (f(h) − f(−h)) / 2h with every other weight at W_low: a finite-difference
/// approximation with truncation error h²/6 · |f‴(ξ)| for some |ξ| ≤ h (see docs/weight-quantization.md for the
/// measured size). A q/k/v unit is perturbed as one (the derivative along the concatenated direction is the sum of the
/// members' alignments, which is what Olive sums). Forward passes run layer by layer through ONNX Runtime: the layers
/// exported once with W_low stay open, and for layer i each unit's two perturbed exports of layer i are run from the
/// cached student stream entering layer i through the rest of the model; the final norm, the head and the KL are
/// computed here. A tied head's perturbation also moves the embedding table (Olive quantizes the shared parameter).
/// </summary>
internal sealed class KldGradient(JsonObject config, HfConfig hf, SafeTensorsCheckpoint checkpoint, string work, TextWriter log, CancellationToken cancellation = default)
{
    /// <summary>The central difference's step h, as a fraction of the way from W_low to W_high.</summary>
    public const double Step = 0.5;

    /// <summary>Alignment per unit (keyed by its first module): higher means promoting the unit lowers the KL more.</summary>
    public Dictionary<string, double> Alignments(
        IReadOnlyList<MixedPrecisionScores.Module> modules, IReadOnlyList<string[]> units, QuantSpec low, QuantSpec high, IReadOnlyList<long[]> samples, double step = Step)
    {
        var byName = modules.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var head = byName.GetValueOrDefault("lm_head");
        var tied = head is null || head.Source == "model.embed_tokens.weight";
        var headFloat = checkpoint.ReadFloat32(head?.Source ?? "model.embed_tokens.weight");
        var norm = checkpoint.ReadFloat32("model.norm.weight");
        var calibrator = new LayerCalibrator(config, hf, checkpoint, work);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        var lowLayers = new LayerRun?[hf.Layers];
        try
        {
            // The teacher's final-normed stream; its log-probabilities are recomputed per sample from it (T × hidden kept, not T × vocab).
            var teacher = calibrator.Embed(samples);
            for (var l = 0; l < hf.Layers; l++)
            {
                using var run = calibrator.Open(l, new Dictionary<string, float[]>(), [], "teacher");
                for (var s = 0; s < teacher.Length; s++)
                {
                    teacher[s] = run.Run(teacher[s], []).Residual;
                }
            }

            foreach (var x in teacher)
            {
                calibrator.FinalNorm(x, norm);
            }

            var lowHead = head is null ? headFloat : Fake(headFloat, head, low);
            var student = calibrator.Embed(samples, tied ? lowHead : checkpoint.ReadFloat32("model.embed_tokens.weight"));
            for (var l = 0; l < hf.Layers; l++)
            {
                lowLayers[l] = calibrator.Open(l, LayerWeights(modules, l, low, high).Low, [], "low");
            }

            double Loss(float[] residual, int next, float[] headWeight, float[] teacherLogP)
            {
                for (var k = next; k < hf.Layers; k++)
                {
                    residual = lowLayers[k]!.Run(residual, []).Residual;
                }

                var x = (float[])residual.Clone();
                calibrator.FinalNorm(x, norm);
                return KlMean(x, headWeight, teacherLogP);
            }

            for (var l = 0; l < hf.Layers; l++)
            {
                var clock = Stopwatch.StartNew();
                var prefix = $"model.layers.{l}.";
                var layerUnits = units.Where(u => u[0].StartsWith(prefix, StringComparison.Ordinal)).ToList();
                var (lowWeights, deltas) = LayerWeights(modules, l, low, high);
                var runs = new List<LayerRun>();
                try
                {
                    foreach (var (unit, index) in layerUnits.Select((u, i) => (u, i)))
                    {
                        foreach (var sign in new[] { 1, -1 })
                        {
                            var replaced = new Dictionary<string, float[]>(lowWeights, StringComparer.Ordinal);
                            foreach (var name in unit)
                            {
                                var source = byName[name].Source;
                                replaced[source] = Moved(lowWeights[source], deltas[source], sign * step);
                            }

                            runs.Add(calibrator.Open(l, replaced, [], $"unit{index}{(sign > 0 ? "plus" : "minus")}"));
                        }
                    }

                    var sums = new double[runs.Count];
                    for (var s = 0; s < samples.Count; s++)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        var teacherLogP = LogSoftmax(teacher[s], headFloat);
                        for (var k = 0; k < runs.Count; k++)
                        {
                            sums[k] += Loss(runs[k].Run(student[s], []).Residual, l + 1, lowHead, teacherLogP);
                        }
                    }

                    foreach (var (unit, index) in layerUnits.Select((u, i) => (u, i)))
                    {
                        result[unit[0]] = -(sums[2 * index] - sums[(2 * index) + 1]) / (2 * step * samples.Count);
                    }
                }
                finally
                {
                    runs.ForEach(r => r.Dispose());
                }

                for (var s = 0; s < student.Length; s++)
                {
                    student[s] = lowLayers[l]!.Run(student[s], []).Residual;
                }

                log.WriteLine($"SelectiveMixedPrecision: kld_gradient layer {l}: {layerUnits.Count} units, {2 * layerUnits.Count} perturbed exports, {samples.Count} samples, {clock.Elapsed.TotalSeconds:0.00} s");
            }

            if (head is not null)
            {
                var delta = Delta(headFloat, lowHead, head, high);
                var sums = new double[2];
                var signs = new[] { 1, -1 };
                for (var k = 0; k < 2; k++)
                {
                    var moved = Moved(lowHead, delta, signs[k] * step);
                    var entering = tied ? calibrator.Embed(samples, moved) : student;
                    for (var s = 0; s < samples.Count; s++)
                    {
                        sums[k] += Loss(entering[s], tied ? 0 : hf.Layers, moved, LogSoftmax(teacher[s], headFloat));
                    }
                }

                result["lm_head"] = -(sums[0] - sums[1]) / (2 * step * samples.Count);
            }
        }
        finally
        {
            foreach (var run in lowLayers)
            {
                run?.Dispose();
            }

            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        return result;
    }

    /// <summary>Layer <paramref name="layer"/>'s weights at the default setting and their steps to the high one, by checkpoint tensor name.</summary>
    private (Dictionary<string, float[]> Low, Dictionary<string, float[]> Delta) LayerWeights(IReadOnlyList<MixedPrecisionScores.Module> modules, int layer, QuantSpec low, QuantSpec high)
    {
        var lows = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var deltas = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var m in modules.Where(m => m.Name.StartsWith($"model.layers.{layer}.", StringComparison.Ordinal)))
        {
            var w = checkpoint.ReadFloat32(m.Source);
            lows[m.Source] = Fake(w, m, low);
            deltas[m.Source] = Delta(w, lows[m.Source], m, high);
        }

        return (lows, deltas);
    }

    private static float[] Fake(float[] w, MixedPrecisionScores.Module m, QuantSpec spec) =>
        spec.Bits >= 16 ? w : GroupQuantizer.Rtn(w, m.Rows, m.Columns, spec, "F32").Dequantize();

    private static float[] Delta(float[] w, float[] low, MixedPrecisionScores.Module m, QuantSpec high)
    {
        var d = high.Bits >= 16 ? (float[])w.Clone() : Fake(w, m, high);
        TensorPrimitives.Subtract(d, low, d);
        return d;
    }

    private static float[] Moved(float[] low, float[] delta, double by)
    {
        var moved = new float[low.Length];
        TensorPrimitives.MultiplyAdd(delta, (float)by, low, moved);
        return moved;
    }

    /// <summary>Log-probabilities <c>[tokens, vocab]</c> of the head <paramref name="head"/> (<c>[vocab, hidden]</c>) on the normed stream <paramref name="x"/>.</summary>
    private float[] LogSoftmax(float[] x, float[] head)
    {
        var tokens = x.Length / hf.Hidden;
        var vocab = head.Length / hf.Hidden;
        var result = new float[tokens * vocab];
        var logits = new double[vocab];
        for (var t = 0; t < tokens; t++)
        {
            LogSoftmaxRow(x.AsSpan(t * hf.Hidden, hf.Hidden), head, logits);
            for (var v = 0; v < vocab; v++)
            {
                result[(t * vocab) + v] = (float)logits[v];
            }
        }

        return result;
    }

    /// <summary>Olive's kl_div_loss(student, teacher).mean(): Σ_v p_t·(log p_t − log p_s) per token, averaged over tokens.</summary>
    private double KlMean(float[] x, float[] head, float[] teacherLogP)
    {
        var tokens = x.Length / hf.Hidden;
        var vocab = head.Length / hf.Hidden;
        var logits = new double[vocab];
        double total = 0;
        for (var t = 0; t < tokens; t++)
        {
            LogSoftmaxRow(x.AsSpan(t * hf.Hidden, hf.Hidden), head, logits);
            double kl = 0;
            for (var v = 0; v < vocab; v++)
            {
                double lt = teacherLogP[(t * vocab) + v];
                kl += Math.Exp(lt) * (lt - logits[v]);
            }

            total += kl;
        }

        return total / tokens;
    }

    private void LogSoftmaxRow(ReadOnlySpan<float> x, float[] head, double[] logits)
    {
        var max = double.NegativeInfinity;
        for (var v = 0; v < logits.Length; v++)
        {
            logits[v] = TensorPrimitives.Dot(x, head.AsSpan(v * hf.Hidden, hf.Hidden));
            max = Math.Max(max, logits[v]);
        }

        double sum = 0;
        foreach (var z in logits)
        {
            sum += Math.Exp(z - max);
        }

        var log = max + Math.Log(sum);
        for (var v = 0; v < logits.Length; v++)
        {
            logits[v] -= log;
        }
    }
}
