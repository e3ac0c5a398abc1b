using OliveNet.Engine.Reports;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Search;

/// <summary>Every candidate tried, the chosen one (null when none qualifies), and the search's figures.</summary>
internal sealed record SearchResult(IReadOnlyList<CandidateOutcome> Outcomes, int? Best, SearchRow? Search)
{
    /// <summary>Indices of the candidates the best is chosen from (pass-by-pass: the last step's); null = every candidate.</summary>
    public IReadOnlySet<int>? Finalists { get; init; }
}
