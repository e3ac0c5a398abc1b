using System.CommandLine;

namespace OliveNet.Cli.Commands;

/// <summary>The arguments <c>run</c> and <c>validate</c> share.</summary>
internal static class RecipeOptions
{
    public static Argument<string> Recipe() => new("recipe")
    {
        Description = "The recipe: a YAML or JSON file in Olive's run-config format (paths in it are relative to its folder).",
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Override a recipe value before validation, as key.path=value (repeatable), e.g. --set output_dir=out/release.",
        HelpName = "key.path=value",
    };
}
