namespace OliveNet.Engine.Passes;

/// <summary>One option of a pass as recipes, <c>olivenet passes</c> and the schema see it.</summary>
/// <param name="Key">The recipe key (snake_case).</param>
/// <param name="Type">The JSON type expected: string, integer, number, boolean, array, object.</param>
/// <param name="DefaultJson">The default value as JSON.</param>
/// <param name="Description">What the option does.</param>
/// <param name="CandidatesJson">Values a search tries, as JSON; empty when not searched.</param>
/// <param name="ArrayDepth">How many list levels the value has (1 for a list of names, 2 for a list of shapes, 0 otherwise).</param>
/// <param name="IsPath">The value is a path, resolved against the recipe's folder when relative.</param>
public sealed record OptionInfo(
    string Key, string Type, string DefaultJson, string Description, IReadOnlyList<string> CandidatesJson, int ArrayDepth = 0, bool IsPath = false);
