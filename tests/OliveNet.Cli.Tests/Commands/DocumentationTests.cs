using System.Text.Json;
using System.Text.RegularExpressions;

namespace OliveNet.Cli.Tests.Commands;

/// <summary>
/// The documentation a new user follows stays true: every relative link in the README, docs/, pipelines/ and bench/
/// READMEs resolves (files, and headings for #anchors), and the README's "Optimize your own model" recipe, copied as
/// written next to the model and images it names, validates, runs and publishes the candidate the README shows.
/// </summary>
public sealed partial class DocumentationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Documents()
    {
        var root = RepoRoot();
        var data = new TheoryData<string>();
        foreach (var file in new[] { "README.md", "pipelines/README.md", "bench/README.md" }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)))
        {
            data.Add(file);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_resolves(string document)
    {
        var path = Path.Combine(RepoRoot(), document);
        var text = File.ReadAllText(path);
        foreach (Match link in Link().Matches(text))
        {
            var target = link.Groups[1].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, file));
            Assert.True(File.Exists(resolved) || Directory.Exists(resolved), $"{document}: link '{target}' points at a missing {resolved}");
            if (anchor is not null && resolved.EndsWith(".md", StringComparison.Ordinal))
            {
                var anchors = File.ReadLines(resolved).Where(l => l.StartsWith('#')).Select(Anchor).ToHashSet(StringComparer.Ordinal);
                Assert.True(anchors.Contains(anchor), $"{document}: link '{target}': no heading makes #{anchor} in {resolved}");
            }
        }
    }

    [Fact]
    public void The_readme_walkthrough_recipe_validates_runs_and_publishes_the_float16_candidate()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var section = readme[readme.IndexOf("## Optimize your own model", StringComparison.Ordinal)..];
        var recipe = YamlBlock().Match(section).Groups[1].Value;
        Assert.Contains("model_path: model.onnx", recipe, StringComparison.Ordinal);

        // The layout the README shows: my-model/{model.onnx, images/, recipe.yaml}, with its stand-ins.
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "my-model")).FullName;
        File.Copy(RealModels.OcrClassifier, Path.Combine(folder, "model.onnx"));
        var images = Directory.CreateDirectory(Path.Combine(folder, "images")).FullName;
        foreach (var png in Directory.GetFiles(Path.Combine(RepoRoot(), "pipelines", "data", "ocr-lines"), "*.png"))
        {
            File.Copy(png, Path.Combine(images, Path.GetFileName(png)));
        }

        var recipePath = Path.Combine(folder, "recipe.yaml");
        File.WriteAllText(recipePath, recipe);

        var (exit, stdout, stderr) = CliRunner.Run("validate", recipePath);
        Assert.True(exit == 0, stderr);
        Assert.Contains("3 points", stdout, StringComparison.Ordinal);

        // The README runs it from inside my-model/, where the default cache/ and output/ folders land.
        (exit, _, stderr) = CliRunner.Run("run", recipePath, "--quiet", "--set", $"cache_dir={folder}/cache", "--set", $"output_dir={folder}/output/my_model");
        Assert.True(exit == 0, stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "output", "my_model", "metrics.json")));
        var candidates = metrics.RootElement.GetProperty("candidates");
        Assert.Equal(3, candidates.GetArrayLength());

        // What the README says happened: every candidate meets the agreement goal, and float16 (the only candidate that
        // agrees on every image, since float16 rounding flips no two-class decision on these lines) wins on priority 1.
        Assert.Equal(2, metrics.RootElement.GetProperty("best").GetInt32());
        Assert.Equal(1.0, candidates[2].GetProperty("metrics").GetProperty("agreement-top1_agreement").GetDouble());
        Assert.True(File.Exists(Path.Combine(folder, "output", "my_model", "report.html")));
    }

    // GitHub's heading anchors: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'.
    private static string Anchor(string heading)
    {
        var text = heading.TrimStart('#').Trim().ToLowerInvariant();
        return new string(text.Where(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ' ').ToArray()).Replace(' ', '-');
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

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
