namespace OliveNet.Engine.Search;

/// <summary>A recipe without search: its one plan, the first alternative of every step.</summary>
internal sealed class FixedPlan(SearchPlan plan) : ISearchStrategy
{
    private bool _proposed;

    public string Stop => "one fixed plan";

    public IReadOnlySet<int>? Finalists => null;

    public CandidatePlan? Propose()
    {
        if (_proposed)
        {
            return null;
        }

        _proposed = true;
        return plan.Candidate(plan.Sizes.Select(_ => 0).ToArray());
    }

    public void Receive(CandidateVerdict verdict)
    {
    }
}
