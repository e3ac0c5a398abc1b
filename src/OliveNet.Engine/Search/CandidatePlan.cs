using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Search;

/// <summary>
/// One candidate of a search: a choice per step (for pass-by-pass, per step up to the one being searched). Immutable;
/// the same recipe always resolves to the same plans.
/// </summary>
/// <param name="Point">The choice index per step, in the recipe's declaration order of alternatives.</param>
/// <param name="Steps">The steps with their chosen alternative, in order.</param>
/// <param name="Label">The choices of the steps that have alternatives, with the options that tell them apart.</param>
internal sealed record CandidatePlan(IReadOnlyList<int> Point, IReadOnlyList<(PassStep Step, PassChoice Choice)> Steps, string Label);
