using OliveNet.Cli.Tests.Export;
using OliveNet.Passes.Gguf;

namespace OliveNet.Cli.Tests.Commands;

/// <summary><c>olivenet inspect</c> on GGUF files: a summary of a real export, and clear refusals of broken files.</summary>
public sealed class InspectGgufTests : IDisposable
{
    private readonly TempDir _temp = new();

    private static string Kjv => Path.Combine(HfCheckpointRunTests.RepoRoot(), "tests", "fixtures", "llm", "kjv-llama");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Inspect_summarizes_an_exported_gguf_file()
    {
        var path = GgufExportPass.Export(Kjv, _temp.Path, "Q8_0", 0, TextWriter.Null, default);

        var report = CliRunner.Json("inspect", path, "--json");

        Assert.Equal("llama", report.GetProperty("architecture").GetString());
        Assert.Equal(3u, report.GetProperty("version").GetUInt32());
        Assert.Equal(new FileInfo(path).Length, report.GetProperty("file_size_bytes").GetInt64());
        // config.json: vocab 258 × hidden 256 (tied), 4 layers of q 256², k/v 128·256, o 256², gate/up/down 384·256, 2 norms; final norm.
        Assert.Equal((258 * 256) + (4 * ((2 * 65536) + (2 * 32768) + (3 * 98304) + 512)) + 256, report.GetProperty("parameters").GetInt64());
        Assert.Equal(38, report.GetProperty("tensors").GetInt32());
        var types = report.GetProperty("by_type").EnumerateArray().ToDictionary(t => t.GetProperty("type").GetString()!, t => t.GetProperty("tensors").GetInt32());
        Assert.Equal(29, types["Q8_0"]);
        Assert.Equal(9, types["F32"]);
        var keys = report.GetProperty("metadata").EnumerateArray().Select(m => m.GetProperty("key").GetString()).ToList();
        Assert.Contains("llama.context_length", keys);
        Assert.Contains("tokenizer.ggml.tokens", keys);

        var (exit, stdout, _) = CliRunner.Run("inspect", _temp.Path);
        Assert.Equal(0, exit);
        Assert.Contains("architecture  llama", stdout, StringComparison.Ordinal);
        Assert.Contains("Q8_0", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_gguf_file_is_refused_with_exit_2()
    {
        var path = GgufExportPass.Export(Kjv, _temp.Path, "Q4_0", 0, TextWriter.Null, default);
        var bytes = File.ReadAllBytes(path);
        var truncated = Path.Combine(_temp.Path, "truncated.gguf");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var header = Path.Combine(_temp.Path, "header.gguf");
        File.WriteAllBytes(header, bytes[..100]);

        foreach (var broken in new[] { truncated, header })
        {
            var (exit, _, stderr) = CliRunner.Run("inspect", broken);
            Assert.Equal(2, exit);
            Assert.Contains("truncated", stderr, StringComparison.Ordinal);
            Assert.Contains(broken, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_file_that_is_not_gguf_is_refused_with_exit_2()
    {
        var path = Path.Combine(_temp.Path, "model.gguf");
        File.WriteAllText(path, "this is not a model, just some text that is long enough to hold a header");

        var (exit, _, stderr) = CliRunner.Run("inspect", path);

        Assert.Equal(2, exit);
        Assert.Contains("not a GGUF file", stderr, StringComparison.Ordinal);
    }
}
