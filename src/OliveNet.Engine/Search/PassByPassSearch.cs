using OliveNet.Engine.Evaluation;

namespace OliveNet.Engine.Search;

/// <summary>
/// Olive's pass-by-pass search: each alternative of one step at a time on the best prefix so far, advancing from the best
/// goal-meeting result, or the best overall when none meets the goals. Steps with one alternative are not searched
/// (except the last, so there is always a round to choose from).
/// </summary>
internal sealed class PassByPassSearch(SearchPlan plan, IReadOnlyList<(string Key, bool HigherIsBetter)> objectives, TextWriter progress) : ISearchStrategy
{
    private readonly Comparer<IReadOnlyDictionary<string, double>> _comparer =
        Comparer<IReadOnlyDictionary<string, double>>.Create((a, b) => Ranking.Compare(objectives, a, b));

    private readonly int[] _chosen = new int[plan.Sizes.Count];
    private readonly List<(int Choice, CandidateVerdict Verdict)> _round = [];
    private HashSet<int> _last = [];
    private int _step;
    private int _choice;

    public string Stop { get; private set; } = "every step searched";

    public IReadOnlySet<int>? Finalists => _last;

    public CandidatePlan? Propose()
    {
        var sizes = plan.Sizes;
        while (_step < sizes.Count)
        {
            if (sizes[_step] == 1 && _step < sizes.Count - 1)
            {
                _step++;
                continue;
            }

            if (_choice < sizes[_step])
            {
                var point = _chosen.ToArray();
                point[_step] = _choice++;
                return plan.Candidate(point[..(_step + 1)]);
            }

            var ranked = _round.Where(r => !r.Verdict.Failed).ToList();
            var name = plan.Recipe.Passes[_step].Name;
            if (ranked.Count == 0)
            {
                (_last, Stop, _step) = ([], $"every alternative of {name} failed", sizes.Count);
                return null;
            }

            var met = ranked.Where(r => r.Verdict.GoalsMet).ToList();
            var pick = (met.Count > 0 ? met : ranked).OrderBy(r => r.Verdict.Metrics, _comparer).First();
            _chosen[_step] = pick.Choice;
            _last = _round.Select(r => r.Verdict.Index).ToHashSet();
            progress.WriteLine($"pass-by-pass: {name} → alternative {pick.Choice}");
            _round.Clear();
            (_step, _choice) = (_step + 1, 0);
        }

        return null;
    }

    public void Receive(CandidateVerdict verdict) => _round.Add((_choice - 1, verdict));
}
