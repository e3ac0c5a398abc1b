using System.Text.Json;
using System.Text.RegularExpressions;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Tests.Recipes;

public sealed class RecipeSchemaTests
{
    private readonly PassRegistry _passes = new([new DocStringPass(), new GpuOnlyPass()]);

    [Fact]
    public void The_schema_is_draft_2020_12_json_and_the_same_text_every_time()
    {
        var first = RecipeSchema.Generate(_passes);
        var second = RecipeSchema.Generate(new PassRegistry([new GpuOnlyPass(), new DocStringPass()]));

        Assert.Equal(first, second);
        Assert.EndsWith("}\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', first);
        using var doc = JsonDocument.Parse(first);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", doc.RootElement.GetProperty("$schema").GetString());
    }

    [Fact]
    public void Every_registered_pass_is_a_branch_of_pass_entry_and_its_type_is_listed()
    {
        var schema = Schema();
        var entry = schema.GetProperty("$defs").GetProperty("pass_entry");

        var branches = entry.GetProperty("oneOf").EnumerateArray().Select(b => b.GetProperty("$ref").GetString()).ToList();
        Assert.Equal(["#/$defs/pass.DocString", "#/$defs/pass.GpuOnly"], branches);
        var listed = entry.GetProperty("properties").GetProperty("type").GetProperty("anyOf")[0].GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["DocString", "GpuOnly"], listed);
    }

    [Fact]
    public void Every_option_of_a_pass_is_a_property_with_its_type_default_description_and_candidates()
    {
        var pass = Schema().GetProperty("$defs").GetProperty("pass.DocString");
        var flat = pass.GetProperty("properties");
        var nested = flat.GetProperty("config").GetProperty("properties");

        foreach (var options in new[] { flat, nested })
        {
            foreach (var option in PassOptions.Describe(typeof(DocStringOptions)))
            {
                var property = options.GetProperty(option.Key);
                Assert.Equal(option.Type, property.GetProperty("type").GetString());
                Assert.Equal(option.DefaultJson, property.GetProperty("default").GetRawText());
                Assert.Equal(option.Description, property.GetProperty("description").GetString());
            }

            Assert.Equal("olivenet", options.GetProperty("text").GetProperty("default").GetString());
            Assert.Equal(1, options.GetProperty("repeat").GetProperty("default").GetInt32());
            Assert.False(options.GetProperty("fail").GetProperty("default").GetBoolean());
            Assert.Equal(["a", "b"], options.GetProperty("text").GetProperty("examples").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.False(pass.GetProperty("additionalProperties").GetBoolean());
        Assert.False(flat.GetProperty("config").GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Every_key_list_of_the_loader_is_in_the_schema()
    {
        var schema = Schema();
        var defs = schema.GetProperty("$defs");

        AssertHasAll(schema.GetProperty("properties"), RecipeLoader.TopLevelKeys);
        AssertHasAll(schema.GetProperty("properties").GetProperty("engine").GetProperty("properties"), RecipeLoader.TopLevelKeys.Where(k => k != "engine"));
        AssertHasAll(defs.GetProperty("input_model").GetProperty("properties"), RecipeLoader.OnnxModelKeys.Concat(RecipeLoader.HfModelKeys));
        AssertHasAll(defs.GetProperty("system").GetProperty("properties"), RecipeLoader.SystemKeys);
        AssertHasAll(defs.GetProperty("pass.GpuOnly").GetProperty("properties"), RecipeLoader.EntryKeys.Concat(RecipeLoader.CommonSaveKeys));
        Assert.Equal(RecipeLoader.Devices, Enum(defs.GetProperty("accelerator").GetProperty("properties").GetProperty("device")));
        Assert.Equal(
            RecipeLoader.ExecutionProviders,
            Enum(defs.GetProperty("accelerator").GetProperty("properties").GetProperty("execution_providers").GetProperty("items")));
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Pass_type_patterns_accept_any_casing_of_the_id_and_nothing_else()
    {
        var pattern = Schema().GetProperty("$defs").GetProperty("pass.DocString").GetProperty("properties")
            .GetProperty("type").GetProperty("pattern").GetString()!;

        Assert.Matches(pattern, "DocString");
        Assert.Matches(pattern, "docstring");
        Assert.Matches(pattern, "DOCSTRING");
        Assert.DoesNotMatch(pattern, "DocStrings");
        Assert.DoesNotMatch(pattern, "GpuOnly");
        Assert.Matches(RecipeSchema.IgnoreCasePattern(["cpu_spr"]), "CPU_SPR");
        Assert.DoesNotMatch(new Regex(RecipeSchema.IgnoreCasePattern(["a.b"])), "axb");
    }

    private JsonElement Schema() => JsonDocument.Parse(RecipeSchema.Generate(_passes)).RootElement.Clone();

    private static IEnumerable<string?> Enum(JsonElement caseInsensitive) =>
        caseInsensitive.GetProperty("anyOf")[0].GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();

    private static void AssertHasAll(JsonElement properties, IEnumerable<string> keys)
    {
        var missing = keys.Where(k => !properties.TryGetProperty(k, out _)).ToList();
        Assert.True(missing.Count == 0, $"missing from the schema: {string.Join(", ", missing)}");
    }
}
