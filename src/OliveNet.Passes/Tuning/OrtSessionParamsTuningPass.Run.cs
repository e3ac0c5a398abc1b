using System.Diagnostics;
using System.Globalization;
using OliveNet.Engine.Benchmarking;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.Static.Calibration;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tuning;

/// <summary>The search and the measurement.</summary>
public sealed partial class OrtSessionParamsTuningPass
{
    private const string LatencyKey = "latency";

    /// <inheritdoc/>
    public void Run(PassContext context, OrtSessionParamsTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var provider = context.Target.ExecutionProvider;
        var modelPath = context.Input.ModelPath;
        var feeds = Feeds(modelPath, provider, options, context.Log);
        try
        {
            var best = new TuningCandidate(
                ThreadCandidates(options)[0], null, options.ExecutionModeList[0] == 1, (GraphOptimizationLevel)options.OptLevelList[0],
                options.AllowSpinningList[0], options.ProviderOptionsList[0]);
            var stages = new (string Name, Func<TuningCandidate, IEnumerable<TuningCandidate>> Vary)[]
            {
                ("intra_op_num_threads", c => ThreadCandidates(options).Select(t => c with { IntraOpThreads = t })),
                ("execution_mode", c => options.ExecutionModeList.SelectMany(m => m == 0
                    ? [c with { Parallel = false, InterOpThreads = null }]
                    : (options.InterThreadNumList.Length == 0 ? [(int?)null] : options.InterThreadNumList.Select(t => (int?)t)).Select(t => c with { Parallel = true, InterOpThreads = t }))),
                ("graph_optimization_level", c => options.OptLevelList.Select(l => c with { Level = (GraphOptimizationLevel)l })),
                ("allow_spinning", c => options.AllowSpinningList.Select(s => c with { AllowSpinning = s })),
                ("provider_options", c => options.ProviderOptionsList.Select(p => c with { ProviderOptions = p })),
            };
            foreach (var (name, vary) in stages)
            {
                var candidates = vary(best).Distinct().ToList();
                if (candidates.Count < 2)
                {
                    best = candidates.Count == 1 ? candidates[0] : best;
                    continue;
                }

                best = Stage(name, candidates, modelPath, provider, options, feeds, context);
            }

            context.Log.WriteLine($"OrtSessionParamsTuning: chosen {best}.");
            Write(context, best.Settings(provider, options.ExtraSessionConfig));
        }
        finally
        {
            foreach (var feed in feeds)
            {
                feed.ForEach(kv => kv.Value.Dispose());
            }
        }
    }

    /// <summary>Times every candidate of one stage and returns the one <see cref="Selection"/> picks.</summary>
    private static TuningCandidate Stage(string name, List<TuningCandidate> candidates, string modelPath, string provider, OrtSessionParamsTuningOptions options, List<List<KeyValuePair<string, OrtValue>>> feeds, PassContext context)
    {
        var entries = new List<SelectionEntry>();
        for (var i = 0; i < candidates.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var samples = Time(candidates[i], modelPath, provider, options, feeds, context.Cancellation);
            Array.Sort(samples);
            var median = LatencyStatistics.Percentile(samples, 50);
            var spread = (LatencyStatistics.Percentile(samples, 75) - LatencyStatistics.Percentile(samples, 25)) / 2;
            context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"OrtSessionParamsTuning: {name} candidate {i} ({candidates[i]}): median {median:0.###} ms ± {spread:0.###}"));
            entries.Add(new SelectionEntry(i, new Dictionary<string, double> { [LatencyKey] = median }, new Dictionary<string, double> { [LatencyKey] = spread }, 0, [i]));
        }

        var (winner, steps) = Selection.Choose([(LatencyKey, false)], entries);
        context.Log.WriteLine($"OrtSessionParamsTuning: {name}: {string.Join("; ", steps.Select(s => s.Text))}.");
        return candidates[winner!.Value];
    }

    /// <summary>Opens a session with the candidate's settings, warms it up and returns the timed run latencies in ms.</summary>
    private static double[] Time(TuningCandidate candidate, string modelPath, string provider, OrtSessionParamsTuningOptions options, List<List<KeyValuePair<string, OrtValue>>> feeds, CancellationToken cancellation)
    {
        using var session = Open(candidate.Settings(provider, options.ExtraSessionConfig), modelPath, provider);
        for (var i = 0; i < options.WarmupNum; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var _ = session.Run(feeds[i % feeds.Count]);
        }

        var samples = new double[options.RepeatTestNum];
        for (var i = 0; i < samples.Length; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            using var outputs = session.Run(feeds[i % feeds.Count]);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return samples;
    }

    private static InferenceSession Open(InferenceSettings settings, string modelPath, string provider)
    {
        using var sessionOptions = new SessionOptions();
        var providerOptions = settings.ApplyTo(sessionOptions, provider);
        sessionOptions.AppendExecutionProvider(provider, providerOptions.Count > 0 ? providerOptions : null);
        return new InferenceSession(modelPath, sessionOptions);
    }

    /// <summary>Tokens in the KV cache of the decode step timed for a GenAI-layout decoder.</summary>
    private const int PastTokens = 63;

    /// <summary>
    /// Inputs of one decode step of a ModelBuilder decoder (GenAI's dimension names): one new token after
    /// <see cref="PastTokens"/> cached ones, an all-ones attention mask, token id 0; random cache values.
    /// </summary>
    private static BenchmarkSettings DecodeStep(IReadOnlyList<NodeMetadata> inputs)
    {
        var known = inputs.SelectMany(i => i.SymbolicDims).ToHashSet(StringComparer.Ordinal);
        var dims = new Dictionary<string, long>
        {
            ["batch_size"] = 1,
            ["sequence_length"] = 1,
            ["past_sequence_length"] = PastTokens,
            ["total_sequence_length"] = PastTokens + 1,
        };
        var names = inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var fill = new Dictionary<string, double> { ["attention_mask"] = 1, ["input_ids"] = 0, ["position_ids"] = PastTokens };
        return new BenchmarkSettings
        {
            Dims = dims.Where(kv => known.Contains(kv.Key)).ToDictionary(),
            Fill = fill.Where(kv => names.Contains(kv.Key)).ToDictionary(),
        };
    }

    /// <summary>The inputs timed: every sample of data_dir; else one decode step for a GenAI folder, or one generated input (dynamic dimensions 1).</summary>
    private static List<List<KeyValuePair<string, OrtValue>>> Feeds(string modelPath, string provider, OrtSessionParamsTuningOptions options, TextWriter log)
    {
        IReadOnlyList<NodeMetadata> inputs;
        using (var sessionOptions = new SessionOptions())
        {
            sessionOptions.AppendExecutionProvider(provider);
            using var session = new InferenceSession(modelPath, sessionOptions);
            inputs = session.Inputs;
        }

        if (options.DataDir is { } dataDir)
        {
            var feeds = CalibrationInputs.FromFolder(dataDir, inputs).Select(s => s.Values.ToList()).ToList();
            if (feeds.Count == 0)
            {
                throw new PassFailedException($"data_dir '{dataDir}' has no samples (sample_NN folders with input_k.pb files).");
            }

            log.WriteLine($"OrtSessionParamsTuning: timing on {feeds.Count} sample(s) from {dataDir}.");
            return feeds;
        }

        var notes = new List<string>();
        var decoder = File.Exists(Path.Combine(Path.GetDirectoryName(modelPath)!, "genai_config.json"));
        var generated = InputGenerator.Create(inputs, decoder ? DecodeStep(inputs) : new BenchmarkSettings(), notes);
        log.WriteLine((decoder ? $"OrtSessionParamsTuning: timing one decode step after {PastTokens} tokens" : "OrtSessionParamsTuning: timing on seeded random inputs")
            + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : string.Empty) + ".");
        return [generated.Select(g => KeyValuePair.Create(g.Info.Name, g.Value)).ToList()];
    }
}
