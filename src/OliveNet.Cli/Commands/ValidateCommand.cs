using System.CommandLine;
using OliveNet.Cli.Output;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet validate &lt;recipe&gt;</c>: every problem in a recipe at once, without running anything.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var recipe = RecipeOptions.Recipe();
        var config = RecipeOptions.Config();
        var set = RecipeOptions.Set();
        var command = new Command("validate", "Check a recipe: every problem is listed with its key, what was expected and file:line:col. Exit 0 when valid, 2 when not.")
        {
            recipe,
            config,
            set,
        };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var loaded = Services.Recipes.Load(RecipeOptions.Path(parse, recipe, config), parse.GetValue(set) ?? []);
            PlanText.Write(output, loaded);
            output.WriteLine("recipe is valid");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
