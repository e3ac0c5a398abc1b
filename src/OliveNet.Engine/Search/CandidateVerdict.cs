namespace OliveNet.Engine.Search;

/// <summary>How a candidate did, as a strategy sees it: its index in proposal order, whether it ran, met every goal, and its values.</summary>
internal sealed record CandidateVerdict(int Index, CandidatePlan Plan, bool Failed, bool GoalsMet, IReadOnlyDictionary<string, double> Metrics);
