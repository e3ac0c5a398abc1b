using System.Diagnostics;
using System.Text.Json;
using OliveNet.Passes.Gguf;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>
/// The GGUF files GgufExport writes, run by a second, independently built llama.cpp — npm node-llama-cpp 3.22.1 with its
/// prebuilt CPU binaries (build/fetch-node-llama-cpp.sh) — give the same greedy continuation as LLamaSharp's llama.cpp:
/// every fixture architecture and the trained KJV model, in float, 8-, 5- and 4-bit formats.
/// </summary>
public sealed class NodeLlamaCppCrossCheckTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Formats = ["F32", "F16", "Q8_0", "Q5_1", "Q4_0", "Q4_K_M"];

    public static TheoryData<string> Architectures => GgufExportLogitsTests.Architectures;

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_second_llama_cpp_build_generates_the_same_greedy_ids(string name)
    {
        var (ids, _, _) = HfFixtures.Reference(name);
        // Mistral's fixture has a sliding window of 8, which llama.cpp's llama architecture does not apply: stay inside it.
        var (prompt, steps) = name == "mistral" ? (ids[..4], 4) : (ids[..8], 16);
        Check(name, HfFixtures.Checkpoint(name), prompt, steps, Formats);
    }

    [Fact]
    public void A_second_llama_cpp_build_generates_the_same_greedy_ids_on_the_trained_model()
    {
        // 256-wide rows: the K formats are real K blocks here, not the fixtures' fallbacks.
        var text = File.ReadAllText(Path.Combine(KjvPerplexityTests.Checkpoint, "heldout.txt"))[..400];
        var prompt = Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json")).Encode(text).Take(48).Select(i => (long)i).ToArray();
        Check("kjv-llama", KjvPerplexityTests.Checkpoint, prompt, 32, [.. Formats, "Q6_K", "Q5_K_M", "Q5_K", "Q4_K"]);
    }

    // Float files must agree token for token. Quantized files multiply 8-bit-quantized activations into the blocks, and
    // builds may block or round those activations differently (up to 2^-8 of a block's largest value per entry): over
    // ≤ 6 layers of ≤ 7 projections that moves a logit by up to a few percent of the logit scale. Where the quantized
    // runs part, the token each chose must be tied within 3 % of the scale in LLamaSharp's own logits at that step; the
    // rest of the two continuations then legitimately differ and is not compared.
    private const double QuantizedTie = 0.03;

    private void Check(string name, string checkpoint, long[] prompt, int steps, IReadOnlyList<string> formats)
    {
        using var temp = new TempFolder();
        var files = formats.Select(f => GgufExportPass.Export(checkpoint, temp.Sub(f), f, 0, TextWriter.Null, default)).ToList();
        var theirs = NodeLlamaCpp.Greedy(files.Select(f => (f, prompt, steps)).ToList());
        for (var i = 0; i < formats.Count; i++)
        {
            using var model = new LlamaCppModel(files[i], context: 128);
            var ours = model.Greedy(prompt, steps);
            output.WriteLine($"{name} {formats[i]}: LLamaSharp [{string.Join(' ', ours)}], node-llama-cpp [{string.Join(' ', theirs[i])}]");
            Assert.Equal(ours.Count, theirs[i].Count);
            var step = Enumerable.Range(0, ours.Count).FirstOrDefault(k => ours[k] != theirs[i][k], -1);
            if (step < 0)
            {
                continue;
            }

            Assert.False(formats[i] is "F32" or "F16", $"{name} {formats[i]}: the builds part at step {step} ({ours[step]} vs {theirs[i][step]})");
            long[] sequence = [.. prompt, .. ours.Take(step)];
            var logits = model.Logits(sequence);
            var row = logits.AsSpan(logits.Length - model.Vocabulary);
            var scale = row.ToArray().Max(Math.Abs);
            var gap = row[(int)ours[step]] - row[(int)theirs[i][step]];
            output.WriteLine($"  part at step {step}: logits {row[(int)ours[step]]:G5} vs {row[(int)theirs[i][step]]:G5}, gap {gap / scale:P2} of the scale");
            Assert.True(gap <= QuantizedTie * scale, $"{name} {formats[i]}: at step {step} node-llama-cpp chose {theirs[i][step]}, {gap / scale:P2} of the logit scale below LLamaSharp's {ours[step]}");
        }
    }
}

/// <summary>Runs build/node-llama-cpp/greedy.mjs (installed by build/fetch-node-llama-cpp.sh, which test.sh calls) on GGUF files.</summary>
internal static class NodeLlamaCpp
{
    private static readonly Lazy<string> Runner = new(Install);

    public static List<List<long>> Greedy(IReadOnlyList<(string Model, long[] Prompt, int Steps)> requests)
    {
        var json = JsonSerializer.Serialize(requests.Select(r => new { model = r.Model, prompt = r.Prompt, steps = r.Steps, threads = 2 }));
        var (code, stdout, stderr) = Execute("node", [Runner.Value, json]);
        Assert.True(code == 0, $"node-llama-cpp exited {code}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToList())
            .ToList();
    }

    private static string Install()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OliveNet.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var (code, stdout, stderr) = Execute("bash", [Path.Combine(root.FullName, "build", "fetch-node-llama-cpp.sh")]);
        Assert.True(code == 0, $"build/fetch-node-llama-cpp.sh failed ({code}): {stderr}");
        var runner = stdout.Trim().Split('\n')[^1];
        Assert.True(File.Exists(runner), $"build/fetch-node-llama-cpp.sh printed '{runner}', which is not a file.");
        return runner;
    }

    private static (int Code, string Stdout, string Stderr) Execute(string file, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
