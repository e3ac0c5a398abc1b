namespace OliveNet.Cli.Tests.Commands;

/// <summary>Every recipe the repository ships tells YAML editors where its schema is (completion and checks as you type),
/// and the path it names resolves to the generated schema.</summary>
public class ShippedRecipeSchemaTests
{
    [Fact]
    public void Every_shipped_recipe_names_the_recipe_schema_on_its_first_line()
    {
        var root = RepoRoot();
        var recipes = Directory.GetFiles(Path.Combine(root, "pipelines"), "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(root, "bench", "gpu"), "*.yaml"))
            .ToList();
        Assert.NotEmpty(recipes);
        var schema = Path.GetFullPath(Path.Combine(root, "schemas", "recipe.schema.json"));
        foreach (var recipe in recipes)
        {
            var first = File.ReadLines(recipe).First();
            const string prefix = "# yaml-language-server: $schema=";
            Assert.True(first.StartsWith(prefix, StringComparison.Ordinal), $"{recipe}: first line is '{first}'");
            Assert.Equal(schema, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(recipe)!, first[prefix.Length..])));
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
