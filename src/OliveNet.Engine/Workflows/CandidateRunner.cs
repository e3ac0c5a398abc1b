using System.Diagnostics;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Reports;
using OliveNet.Engine.Search;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>A candidate's report row, its final artifact and its pass runs, as the winner decision and the reports take it.</summary>
internal sealed record CandidateOutcome(CandidateRow Row, ModelArtifact? Artifact, IReadOnlyList<PassRunSummary> Runs)
{
    /// <summary>The choice index per step, as the recipe declares its alternatives: the last tie-break.</summary>
    public IReadOnlyList<int> Order { get; init; } = [];
}

/// <summary>
/// Executes one candidate: its passes through the artifact cache—so candidates sharing a prefix, in this process or any
/// other sharing the cache, reuse its runs—then its evaluation (through the evaluation cache). It knows nothing of goals,
/// reports or the search that proposed the candidate. In a search a failing pass or evaluation prunes the candidate;
/// without search it fails the run.
/// </summary>
internal sealed class CandidateRunner(
    ArtifactCache cache, Target runTarget, ModelArtifact input, ModelEvaluator? evaluator,
    RunSettings settings, LossyPassCheck fidelity, double minFidelity, CancellationToken cancellation)
{
    /// <summary>Executes <paramref name="candidate"/> as the candidate numbered <paramref name="index"/>.</summary>
    /// <exception cref="WorkflowFailedException">A pass or the fidelity check failed and <paramref name="prune"/> is false.</exception>
    public CandidateResult Run(int index, CandidatePlan candidate, bool prune)
    {
        var plan = candidate.Steps;
        var started = Stopwatch.StartNew();
        var progress = settings.Progress;
        var current = input;
        var runs = new List<PassRunSummary>();
        foreach (var ((step, choice), position) in plan.Select((p, i) => (p, i)))
        {
            cancellation.ThrowIfCancellationRequested();
            var meta = choice.Pass.Metadata;
            settings.Observer?.PassStarted(position, plan.Count, step.Name, meta.Id);
            var target = meta.TargetAgnostic ? null : $"{runTarget.Device}/{runTarget.ExecutionProvider}";
            var options = PortableDataPaths.Rewrite(choice.CanonicalOptions, cache.Root);
            var keyed = PathOptionFiles.WithContentHashes(options, choice.Pass.OptionsType, choice.Options);
            var key = CacheKey.Compute(current.Id, meta.Id, meta.Version, keyed, target, EngineInfo.Version, OrtRuntime.Version);
            progress.WriteLine($"pass {step.Name} ({meta.Id}): key {key[..12]}");
            var parent = current;
            var outcome = cache.GetOrRun(
                key,
                () => new CacheRecord
                {
                    Key = key,
                    Status = "running",
                    Pass = meta.Id,
                    PassVersion = meta.Version,
                    Options = System.Text.Json.Nodes.JsonNode.Parse(options),
                    ParentId = parent.Id,
                    Target = target,
                    DurationMs = 0,
                    FinishedUtc = string.Empty,
                    OliveNetVersion = EngineInfo.Version,
                    OnnxRuntimeVersion = OrtRuntime.Version,
                },
                folder => WorkflowRunner.RunPass(choice, new PassContext(parent, folder, runTarget, progress, cancellation)),
                settings.RetryFailed,
                progress,
                cancellation);
            settings.Observer?.PassFinished(step.Name, meta.Id, outcome.Hit);
            if (outcome.Artifact is null)
            {
                var again = outcome.Hit ? " (recorded by an earlier run; rerun without --no-retry-failed to try again)" : string.Empty;
                var message = $"pass {step.Name} ({meta.Id}) failed: {outcome.Record.Error}{again}";
                if (!prune)
                {
                    throw new WorkflowFailedException(message);
                }

                progress.WriteLine($"candidate {index} pruned: {message}");
                return Result(index, candidate, null, runs, null, message, started);
            }

            progress.WriteLine(outcome.Hit
                ? $"pass {step.Name} ({meta.Id}): reused from cache"
                : $"pass {step.Name} ({meta.Id}): done in {outcome.Record.DurationMs / 1000:0.00} s");
            var measured = meta.Lossy ? Fidelity(step, meta, parent, outcome.Artifact, choice) : null;
            runs.Add(new PassRunSummary(step.Name, meta.Id, key, outcome.Artifact.Id, outcome.Hit, outcome.Hit ? 0 : outcome.Record.DurationMs)
            {
                Version = meta.Version,
                Options = options,
                Fidelity = measured,
            });
            if (measured?.Value is { } agreement && agreement < minFidelity)
            {
                var message = $"pass {step.Name} ({meta.Id}) failed the fidelity check: {measured.Describe()}, below min_fidelity {minFidelity.ToString(System.Globalization.CultureInfo.InvariantCulture)}. "
                    + "Its output no longer computes what its input did: quantize fewer op types (e.g. op_types_to_quantize: [MatMul]), use per-channel weights or a smaller block size, "
                    + "or lower min_fidelity in the recipe if this loss is acceptable";
                if (!prune)
                {
                    throw new WorkflowFailedException(message);
                }

                progress.WriteLine($"candidate {index} pruned: {message}");
                return Result(index, candidate, null, runs, null, message, started);
            }

            current = outcome.Artifact;
        }

        IReadOnlyDictionary<string, double>? values = null;
        if (evaluator is not null)
        {
            progress.WriteLine($"evaluating candidate {index} ({current.Id[..12]})");
            try
            {
                using var step = RunProgress.Step($"evaluating candidate {index}");
                var (v, cached) = evaluator.Evaluate(current, input, cancellation);
                values = v;
                progress.WriteLine($"candidate {index}: {Format(v, evaluator)}{(cached > 0 ? $" ({cached} metric(s) from the evaluation cache)" : string.Empty)}");
            }
            catch (Exception e) when (prune && e is DataException or OrtException)
            {
                progress.WriteLine($"candidate {index} pruned: evaluation failed: {e.Message}");
                return Result(index, candidate, current, runs, null, $"evaluation failed: {e.Message}", started);
            }
        }

        return Result(index, candidate, current, runs, values, null, started);
    }

    /// <summary>The lossy pass's fidelity against its input; a model that cannot be compared gets a note, not a failure.</summary>
    private PassFidelity Fidelity(PassStep step, PassMetadata meta, ModelArtifact parent, ModelArtifact output, PassChoice choice)
    {
        PassFidelity result;
        try
        {
            result = fidelity.Measure(parent, output, choice, cancellation);
        }
        catch (Exception e) when (e is OrtException or DataException or PassFailedException)
        {
            result = new PassFidelity(null, null, null, null, 0, "none", null, $"fidelity not measured: {e.Message}");
        }

        settings.Progress.WriteLine($"pass {step.Name} ({meta.Id}): {result.Describe()}");
        return result;
    }

    private static CandidateResult Result(
        int index, CandidatePlan candidate, ModelArtifact? artifact, List<PassRunSummary> runs, IReadOnlyDictionary<string, double>? values, string? error, Stopwatch started) =>
        new(index, candidate, artifact, runs, values, error, started.Elapsed.TotalSeconds);

    /// <summary>Metric values for a progress line, with the units the reports use (<c>latency-p50 16.4 ms, size-bytes 7.73 MB</c>).</summary>
    internal static string Format(IReadOnlyDictionary<string, double> values, ModelEvaluator evaluator)
    {
        var columns = evaluator.Evaluator.SubMetrics.ToDictionary(s => s.Key, s => new Reports.MetricColumn(s.Key, s.Metric.Type, s.Sub.HigherIsBetter, s.Sub.Priority), StringComparer.Ordinal);
        return string.Join(", ", values.Select(kv => columns.TryGetValue(kv.Key, out var column)
            ? $"{kv.Key} {Reports.MetricFormat.Value(column, kv.Value)}"
            : $"{kv.Key} {kv.Value.ToString("G5", System.Globalization.CultureInfo.InvariantCulture)}"));
    }
}
