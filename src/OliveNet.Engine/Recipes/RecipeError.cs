namespace OliveNet.Engine.Recipes;

/// <summary>One problem in a recipe: the key path, what is wrong and what to do, and where in which file.</summary>
/// <param name="KeyPath">Dotted path of the key, e.g. <c>passes.quantize.calibrate_method</c>.</param>
/// <param name="Message">What is wrong and what is expected.</param>
/// <param name="File">The recipe file (or <c>--set</c> for a command-line override).</param>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
public sealed record RecipeError(string KeyPath, string Message, string File, int Line, int Column)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{(KeyPath.Length == 0 ? "(recipe)" : KeyPath)}: {Message} — {File}{(Line > 0 ? $":{Line}:{Column}" : string.Empty)}";
}
