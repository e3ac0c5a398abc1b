namespace OliveNet.Engine.Search;

/// <summary>
/// A search strategy only proposes candidates and is told how each one did; it runs nothing itself. The
/// <see cref="SearchRunner"/> executes what it proposes, so where and how a candidate runs is not the strategy's concern.
/// </summary>
internal interface ISearchStrategy
{
    /// <summary>The next candidate to run, or null when the search is over (<see cref="Stop"/> says why).</summary>
    CandidatePlan? Propose();

    /// <summary>Tells the strategy how the candidate it proposed last did.</summary>
    void Receive(CandidateVerdict verdict);

    /// <summary>Why the search stopped; set once <see cref="Propose"/> returned null.</summary>
    string Stop { get; }

    /// <summary>Indices (in proposal order) of the candidates the best is chosen from; null = every candidate.</summary>
    IReadOnlySet<int>? Finalists { get; }
}
