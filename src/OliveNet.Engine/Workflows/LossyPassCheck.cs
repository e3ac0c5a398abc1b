using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Measures every lossy pass (<see cref="PassMetadata.Lossy"/>) against its own input on real samples: the data of the
/// recipe's evaluator (accuracy metrics first), else the data config the pass reads (its calibration data), else seeded
/// random inputs, labelled as such. The result is kept beside the pass run in the cache
/// (<c>runs/&lt;key&gt;/fidelity-&lt;hash&gt;.json</c>, the hash naming the models and the samples), so a cached rerun reads it
/// instead of measuring again.
/// </summary>
internal sealed class LossyPassCheck(Recipe recipe, Target target, TextWriter progress)
{
    /// <summary>At most this many samples are compared: enough for a stable agreement, bounded for big data configs.</summary>
    private const int MaxSamples = 64;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The fidelity of <paramref name="output"/> against <paramref name="parent"/>, from the cache entry or measured now.</summary>
    /// <exception cref="OrtException">ONNX Runtime cannot run one of the models.</exception>
    public PassFidelity Measure(ModelArtifact parent, ModelArtifact output, PassChoice choice, CancellationToken cancellation)
    {
        if (parent.IsCheckpoint || output.IsCheckpoint)
        {
            return new PassFidelity(null, null, null, null, 0, "none", null,
                "fidelity not measured: the pass's input is a Hugging Face checkpoint, which cannot be run; score the exported model with an accuracy or perplexity metric");
        }

        using var reference = Open(parent.ModelPath);
        using var candidate = Open(output.ModelPath);
        var (source, data) = Samples(choice, reference.Inputs);
        var entry = Path.GetDirectoryName(output.Folder)!;
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{parent.Id}|{output.Id}|{source}|{data.Sha256}|{MaxSamples}|{target.ExecutionProvider}")))[..16];
        var path = Path.Combine(entry, $"fidelity-{key}.json");
        if (File.Exists(path) && TryRead(path) is { } cached)
        {
            return cached;
        }

        var outputMeta = reference.Outputs.FirstOrDefault(o => o.ElementType is TensorElementType.Float or TensorElementType.Float16)
            ?? reference.Outputs[0];
        var scores = new FidelityScores();
        var batches = data.Batches.Take(MaxSamples).ToList();
        foreach (var batch in batches)
        {
            cancellation.ThrowIfCancellationRequested();
            var (expected, shape) = Run(reference, batch, outputMeta.Name);
            var (actual, actualShape) = Run(candidate, batch, outputMeta.Name);
            if (!shape.SequenceEqual(actualShape))
            {
                throw new PassFailedException($"its output {outputMeta.Name} has shape [{string.Join(",", actualShape)}], its input model's [{string.Join(",", shape)}]");
            }

            scores.Add(expected, actual, shape.Length == 0 ? 1 : (int)Math.Max(1, shape[^1]));
        }

        var values = scores.Values();
        var classifier = IsClassifierLike(parent.ModelPath, outputMeta.Name);
        var measure = classifier ? "top1_agreement" : "cosine";
        var result = new PassFidelity(measure, PassFidelity.Round(values[measure]), PassFidelity.Round(values["top1_agreement"]), PassFidelity.Round(values["cosine"]),
            batches.Count, source, outputMeta.Name);
        ArtifactCache.WriteDurably(path, JsonSerializer.Serialize(result, Json) + "\n");
        return result;
    }

    /// <summary>The recipe's data in order of preference; a source that does not fit the model is passed over with a note.</summary>
    private (string Source, LoadedData Data) Samples(PassChoice choice, IReadOnlyList<NodeMetadata> inputs)
    {
        var candidates = new List<(string Source, DataConfigSpec Config)>();
        if (recipe.Evaluator is { } evaluator)
        {
            foreach (var metric in evaluator.Metrics.OrderBy(m => m.Type == "accuracy" ? 0 : 1))
            {
                if (metric.DataConfig is { } name && recipe.DataConfigs.TryGetValue(name, out var config) && !TextDataset.IsText(config) && !Data.Speech.SpeechDataset.IsSpeech(config))
                {
                    candidates.Add(($"data config {name}", config));
                }
            }
        }

        foreach (var (name, folder) in recipe.PassDataFolders)
        {
            if (choice.CanonicalOptions.Contains(Path.GetFileName(folder), StringComparison.Ordinal) && !TextDataset.IsText(recipe.DataConfigs[name]))
            {
                candidates.Add(($"calibration data config {name}", recipe.DataConfigs[name]));
            }
        }

        foreach (var (source, config) in candidates.DistinctBy(c => c.Config.Name))
        {
            try
            {
                return (source, DataPipeline.Load(config, inputs));
            }
            catch (DataException e)
            {
                progress.WriteLine($"fidelity: {source} does not fit the model ({e.Message}); trying the next source");
            }
        }

        var dummy = new DataConfigSpec("seeded random inputs", new DataComponent("dummy_dataset", new JsonObject { ["max_samples"] = 8, ["seed"] = 0 }), null, null, null, "{}");
        return ("seeded random inputs (the recipe has no data for this model: a weak check)", DataPipeline.Load(dummy, inputs));
    }

    /// <summary>Classifier-like: the output comes from Softmax/LogSoftmax, or its name says logits or probabilities.</summary>
    private static bool IsClassifierLike(string modelPath, string output)
    {
        var name = output.ToLowerInvariant();
        if (name.Contains("logit", StringComparison.Ordinal) || name.Contains("prob", StringComparison.Ordinal))
        {
            return true;
        }

        var graph = OnnxModel.Load(modelPath).Proto.Graph;
        var producer = graph.Node.FirstOrDefault(n => n.Output.Contains(output));
        return producer?.OpType is "Softmax" or "LogSoftmax";
    }

    private InferenceSession Open(string modelPath)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All };
        options.AppendExecutionProvider(target.ExecutionProvider);
        return new InferenceSession(modelPath, options);
    }

    private static (float[] Values, long[] Shape) Run(InferenceSession session, Batch batch, string output)
    {
        var feed = batch.Feed(session.Inputs);
        try
        {
            using var outputs = session.Run(feed, [output]);
            var value = outputs[0];
            var floats = value.ElementType == TensorElementType.Float16
                ? value.GetTensorData<Half>().ToArray().Select(h => (float)h).ToArray()
                : value.ElementType == TensorElementType.Float
                    ? value.GetTensorData<float>().ToArray()
                    : throw new PassFailedException($"fidelity: output {output} is {value.ElementType}; only float32/float16 outputs can be compared");
            return (floats, value.Shape);
        }
        finally
        {
            foreach (var (_, v) in feed)
            {
                v.Dispose();
            }
        }
    }

    private static PassFidelity? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PassFidelity>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
