using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Data;
using OliveNet.Engine.Data.Speech;
using OliveNet.Engine.Passes;
using OliveNet.Runtime;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// Computes an evaluator's metrics for one model on the target, through the <see cref="EvaluationCache"/>. Sessions use
/// ONNX Runtime's full graph optimizations, as a deployment runs them. Fidelity compares with the reference (input) model.
/// </summary>
public sealed partial class ModelEvaluator(
    EvaluatorSpec evaluator, IReadOnlyDictionary<string, DataConfigSpec> data, Target target, EvaluationCache cache, ModelLocator locator, TextWriter progress)
{
    private readonly Dictionary<string, LoadedData> _loaded = new(StringComparer.Ordinal);

    /// <summary>The evaluator.</summary>
    public EvaluatorSpec Evaluator => evaluator;

    /// <summary>Every sub-type value of <paramref name="model"/>, keyed <c>metric-subtype</c>, and how many metrics came from the cache.</summary>
    /// <exception cref="DataException">The data does not fit the model.</exception>
    /// <exception cref="OrtException">ONNX Runtime rejected the model or a run.</exception>
    public (IReadOnlyDictionary<string, double> Values, int Cached) Evaluate(ModelArtifact model, ModelArtifact reference, CancellationToken cancellation = default)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var cached = 0;
        foreach (var metric in evaluator.Metrics)
        {
            cancellation.ThrowIfCancellationRequested();
            var loaded = metric.DataConfig is { } name ? Data(name, model) : null;
            var key = EvaluationCache.Key(
                model.Id, metric.CanonicalJson, $"{target.Device}/{target.ExecutionProvider}", loaded?.Sha256,
                metric.Type == "fidelity" ? reference.Id : null, EngineInfo.Version,
                model.IsGguf ? GgufRuntimeVersion : loaded?.Speech is not null ? SpeechRuntime(model) : OrtRuntime.Version);
            var result = cache.Read(key);
            if (result is not null)
            {
                cached++;
            }
            else
            {
                var started = Stopwatch.StartNew();
                result = Compute(metric, model, reference, loaded, cancellation);
                result = cache.Write(key, result);
                progress.WriteLine($"  {metric.Name} ({metric.Type}) in {started.Elapsed.TotalSeconds:0.00} s");
            }

            foreach (var sub in metric.SubTypes)
            {
                if (result.TryGetValue(sub.Name, out var v))
                {
                    values[$"{metric.Name}-{sub.Name}"] = v;
                }
            }
        }

        return (values, cached);
    }

    private Dictionary<string, double> Compute(MetricSpec metric, ModelArtifact model, ModelArtifact reference, LoadedData? loaded, CancellationToken cancellation)
    {
        if (model.IsGguf)
        {
            return ComputeGguf(metric, model, loaded, cancellation);
        }

        if (loaded?.Speech is not null && metric.Type != "accuracy")
        {
            throw new DataException($"metric {metric.Name}: data config {loaded.Name} is speech; it feeds accuracy wer and rtfx, not {metric.Type}");
        }

        switch (metric.Type)
        {
            case "size_on_disk":
                // The model file and the external data it references: an input model's folder may hold anything else.
                return new() { ["bytes"] = Onnx.OnnxModel.Load(model.ModelPath).ExternalDataFiles().Select(f => f.FullPath).Prepend(model.ModelPath).Distinct(StringComparer.Ordinal).Sum(f => new FileInfo(f).Length) };
            case "accuracy" when loaded?.Speech is not null:
                return Speech(metric, model, loaded, cancellation);
            case "accuracy" when loaded?.Text is not null || metric.SubTypes.Any(x => x.Name == "perplexity"):
                return Perplexity(metric, model, loaded!, cancellation);
            case "accuracy":
                return Accuracy(metric, model, loaded!, cancellation);
            case "generation_latency":
                return GenerationLatency(metric, model);
            case MmluTask.MetricType:
                return LmTask(metric, model, progress, cancellation);
            case "latency" or "throughput":
                return Latency(metric, model, loaded!, cancellation);
            case "fidelity":
                return Fidelity(metric, model, reference, loaded!, cancellation);
            case "memory":
                return Memory(model, loaded!, cancellation);
            default:
                throw new DataException($"metric {metric.Name}: type {metric.Type} cannot be computed");
        }
    }

    private LoadedData Data(string name, ModelArtifact model)
    {
        if (TextDataset.IsText(data[name]))
        {
            return TextData(data[name], model);
        }

        if (SpeechDataset.IsSpeech(data[name]))
        {
            return SpeechData(data[name]);
        }

        if (model.IsGguf)
        {
            throw new DataException($"data config {name}: GGUF models are evaluated on text (perplexity) only; {name} does not load text_files or jsonl");
        }

        using var session = Open(model.ModelPath);
        var signature = string.Join(";", session.Inputs.Select(i => $"{i.Name}:{i.ElementType}:{string.Join(",", i.Shape)}"));
        var key = $"{name}|{signature}";
        if (!_loaded.TryGetValue(key, out var loaded))
        {
            loaded = DataPipeline.Load(data[name], session.Inputs);
            _loaded[key] = loaded;
        }

        return loaded;
    }

    private InferenceSession Open(string modelPath)
    {
        using var options = EvaluationSessions.Options(modelPath, target.ExecutionProvider, forTiming: false);
        return new InferenceSession(modelPath, options);
    }

    /// <summary>Runs one batch and returns the chosen output's values (float32) and shape.</summary>
    private static (float[] Values, long[] Shape) Run(InferenceSession session, Batch batch, string? outputName, string metric)
    {
        // Fidelity feeds one batch to two models whose float inputs may differ (float32 input model, float16 candidate).
        var feed = batch.Feed(session.Inputs);
        try
        {
            using var outputs = session.Run(feed);
            var output = outputName is null ? outputs[0] : outputs[outputName];
            if (output.ElementType == TensorElementType.Float16)
            {
                return (output.GetTensorData<Half>().ToArray().Select(h => (float)h).ToArray(), output.Shape);
            }

            if (output.ElementType != TensorElementType.Float)
            {
                throw new DataException($"metric {metric}: output {(outputName ?? session.Outputs[0].Name)} is {output.ElementType}; accuracy and fidelity read float32 or float16 outputs");
            }

            return (output.GetTensorData<float>().ToArray(), output.Shape);
        }
        finally
        {
            foreach (var (_, value) in feed)
            {
                value.Dispose();
            }
        }
    }
}
