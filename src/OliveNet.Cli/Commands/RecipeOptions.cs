using System.CommandLine;

namespace OliveNet.Cli.Commands;

/// <summary>The arguments <c>run</c> and <c>validate</c> share.</summary>
internal static class RecipeOptions
{
    public static Argument<string?> Recipe() => new("recipe")
    {
        Description = "The recipe: a YAML or JSON file in Olive's run-config format (paths in it are relative to its folder).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>Olive's <c>olive run --config x.json</c>, accepted so Olive users' habits and scripts work.</summary>
    public static Option<string?> Config() => new("--config")
    {
        Description = "The recipe, as Olive's `olive run --config` takes it (the same as the positional recipe).",
        HelpName = "recipe",
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Override a recipe value before validation, as key.path=value (repeatable), e.g. --set output_dir=out/release.",
        HelpName = "key.path=value",
    };

    /// <summary>The recipe path from the positional argument or <c>--config</c>.</summary>
    /// <exception cref="UsageException">Neither or both were given.</exception>
    public static string Path(ParseResult parse, Argument<string?> recipe, Option<string?> config) =>
        (parse.GetValue(recipe), parse.GetValue(config)) switch
        {
            ({ } positional, null) => positional,
            (null, { } option) => option,
            (null, null) => throw new UsageException("no recipe given; name it as `olivenet run recipe.yaml` (or, as in Olive, `--config recipe.yaml`)"),
            var (positional, option) => throw new UsageException($"two recipes given ({positional} and --config {option}); give one"),
        };
}
