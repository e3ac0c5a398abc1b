using System.Diagnostics;
using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Search;

/// <summary>
/// Olive's joint search: the sampler proposes whole plans (a choice per step) until the space, max_samples, max_iter or
/// max_time runs out or (stop_when_goals_met) a candidate meets every goal.
/// </summary>
internal sealed class JointSearch : ISearchStrategy
{
    private readonly SearchPlan _plan;
    private readonly SearchSpec _search;
    private readonly ISampler _sampler;
    private readonly Comparer<IReadOnlyDictionary<string, double>> _comparer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<int[]> _tried = [];
    private readonly List<CandidateVerdict> _verdicts = [];
    private bool _done;

    public JointSearch(SearchPlan plan, IReadOnlyList<(string Key, bool HigherIsBetter)> objectives)
    {
        _plan = plan;
        _search = plan.Search!;
        _sampler = Sampler(_search, plan.Sizes, (int)plan.Size);
        _comparer = Comparer<IReadOnlyDictionary<string, double>>.Create((a, b) => Ranking.Compare(objectives, a, b));
    }

    public string Stop { get; private set; } = "space exhausted";

    public IReadOnlySet<int>? Finalists => null;

    /// <summary>The search's sampler, seeded.</summary>
    public static ISampler Sampler(SearchSpec search, IReadOnlyList<int> sizes, int size) => search.Sampler switch
    {
        "random" => new RandomSampler(sizes, search.Seed),
        "tpe" => new TpeSampler(sizes, search.Seed, Math.Max(2, Math.Min(5, size / 4))),
        _ => new SequentialSampler(sizes),
    };

    public CandidatePlan? Propose()
    {
        if (_done)
        {
            return null;
        }

        if (_search.MaxSamples > 0 && _verdicts.Count(v => !v.Failed) >= _search.MaxSamples)
        {
            return Finish($"max_samples {_search.MaxSamples} reached");
        }

        if (_search.MaxIter > 0 && _tried.Count >= _search.MaxIter)
        {
            return Finish($"max_iter {_search.MaxIter} reached");
        }

        if (_search.MaxTime > 0 && _clock.Elapsed.TotalSeconds >= _search.MaxTime)
        {
            return Finish($"max_time {_search.MaxTime} s reached");
        }

        if (_sampler.Next(_tried, Ranks()) is not { } point)
        {
            return Finish("space exhausted");
        }

        _tried.Add(point);
        return _plan.Candidate(point);
    }

    public void Receive(CandidateVerdict verdict)
    {
        _verdicts.Add(verdict);
        if (_search.StopWhenGoalsMet && verdict is { Failed: false, GoalsMet: true })
        {
            Finish("a candidate met every goal (stop_when_goals_met)");
        }
    }

    private CandidatePlan? Finish(string stop)
    {
        (_done, Stop) = (true, stop);
        return null;
    }

    /// <summary>Rank of each candidate so far: goal-meeting first, then by priority order; failed last.</summary>
    private List<int> Ranks()
    {
        var order = _verdicts.Select((v, i) => (v, i))
            .OrderBy(x => x.v.Failed ? 1 : 0)
            .ThenBy(x => x.v.GoalsMet ? 0 : 1)
            .ThenBy(x => x.v.Metrics, _comparer)
            .Select(x => x.i).ToList();
        var ranks = new int[_verdicts.Count];
        for (var r = 0; r < order.Count; r++)
        {
            ranks[order[r]] = r;
        }

        return [.. ranks];
    }
}
