using System.Text.Json;
using OliveNet.Cli.Commands;
using OliveNet.Engine.Recipes;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Cli.Tests.Commands;

public sealed class SchemaCommandTests
{
    [Fact]
    public void The_checked_in_schema_is_what_this_build_generates()
    {
        var checkedIn = File.ReadAllText(Path.Combine(RepoRoot(), "schemas", "recipe.schema.json"));
        var generated = RecipeSchema.Generate(Services.Passes);

        Assert.True(
            checkedIn == generated,
            "schemas/recipe.schema.json is out of date with the recipe loader or the passes; "
            + "run `dotnet run --project src/OliveNet.Cli -- schema --output schemas/recipe.schema.json` and commit the result");
    }

    [Fact]
    public void Schema_prints_the_generated_schema_on_stdout()
    {
        var (exit, stdout, stderr) = CliRunner.Run("schema");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal(RecipeSchema.Generate(Services.Passes), stdout);
    }

    [Fact]
    public void Schema_output_replaces_the_file_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        var path = dir.File("recipe.schema.json", "old");

        var (exit, stdout, _) = CliRunner.Run("schema", "--output", path);

        Assert.Equal(0, exit);
        Assert.Contains("wrote", stdout, StringComparison.Ordinal);
        Assert.Equal(RecipeSchema.Generate(Services.Passes), File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Schema_output_into_a_missing_folder_is_an_argument_error_naming_the_folder()
    {
        using var dir = new TempDir();
        var missing = Path.Combine(dir.Path, "nope");

        var (exit, _, stderr) = CliRunner.Run("schema", "--output", Path.Combine(missing, "recipe.schema.json"));

        Assert.Equal(ExitCodes.InvalidInput, exit);
        Assert.Contains($"folder {missing} does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ppocr_pipeline_uses_only_keys_and_pass_options_the_schema_declares()
    {
        // No JSON Schema validator package is available: check the structure a validator would walk.
        var schema = JsonDocument.Parse(RecipeSchema.Generate(Services.Passes)).RootElement;
        var defs = schema.GetProperty("$defs");
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(RepoRoot(), "pipelines", "ppocr-rec-cpu.yaml"))));
        var recipe = (YamlMappingNode)stream.Documents[0].RootNode;

        AssertDeclared(schema, recipe, "the top level");
        AssertDeclared(defs.GetProperty("input_model"), (YamlMappingNode)recipe["input_model"], "input_model");
        foreach (var (name, system) in ((YamlMappingNode)recipe["systems"]).Children)
        {
            AssertDeclared(defs.GetProperty("system"), (YamlMappingNode)system, $"systems.{name}");
            foreach (var accelerator in ((YamlSequenceNode)((YamlMappingNode)system)["accelerators"]).Children)
            {
                AssertDeclared(defs.GetProperty("accelerator"), (YamlMappingNode)accelerator, $"systems.{name}.accelerators");
            }
        }

        var passes = (YamlMappingNode)recipe["passes"];
        Assert.Equal(3, passes.Children.Count);
        foreach (var (name, node) in passes.Children)
        {
            var entry = (YamlMappingNode)node;
            var type = ((YamlScalarNode)entry["type"]).Value!;
            var pass = defs.EnumerateObject().Single(d => d.Name.Equals($"pass.{type}", StringComparison.OrdinalIgnoreCase)).Value;
            Assert.Matches(pass.GetProperty("properties").GetProperty("type").GetProperty("pattern").GetString()!, type);
            AssertDeclared(pass, entry, $"passes.{name}");
            if (entry.Children.TryGetValue(new YamlScalarNode("config"), out var config))
            {
                AssertDeclared(pass.GetProperty("properties").GetProperty("config"), (YamlMappingNode)config, $"passes.{name}.config");
            }
        }
    }

    private static void AssertDeclared(JsonElement schema, YamlMappingNode map, string where)
    {
        var properties = schema.GetProperty("properties");
        foreach (var key in map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!))
        {
            Assert.True(properties.TryGetProperty(key, out _), $"{where}: '{key}' is not declared in the schema");
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no OliveNet.sln above {AppContext.BaseDirectory}");
    }
}
