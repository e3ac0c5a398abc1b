using OliveNet.Runtime.Generation;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// <c>olivenet generate</c> on GgufExport's output (llama.cpp through LLamaSharp): the KJV model's F32 GGUF continues a
/// prompt greedily exactly as the argmax of full-sequence forwards of the same checkpoint exported to ONNX fp32 (two
/// float32 implementations; a trained model has no near-ties at 32 steps), sampling is reproducible for a seed, and a
/// folder with two GGUF files or a truncated file is refused with a message, not a stack trace.
/// </summary>
public sealed class KjvGgufGenerateTests : IDisposable
{
    private const string Prompt = "And God said";
    private const int Tokens = 32;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Greedy_text_from_the_gguf_equals_the_onnx_fp32_argmax_and_sampling_repeats_for_a_seed()
    {
        var gguf = Export("GgufExport, quantization: F32", "gguf");
        var onnx = Export("ModelBuilder, precision: fp32", "onnx");

        var (exit, stdout, stderr) = CliRunner.Run("generate", gguf, "--prompt", Prompt, "--max-tokens", $"{Tokens}", "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"prefill: \d+ tokens in [\d.]+ ms \([\d.]+ tokens/s\) · decode: \d+ tokens in [\d.]+ ms \([\d.]+ tokens/s\) · stopped: .* · llama\.cpp", stderr);

        using var model = LanguageModel.Load(onnx);
        var tokenizer = model.Tokenizer!;
        var ids = tokenizer.Encode(Prompt, addSpecialTokens: true).ToList();
        var generated = new List<int>();
        var vocab = model.Config.VocabSize;
        while (generated.Count < Tokens)
        {
            var logits = model.ForwardAll(ids);
            var next = ArgMax(logits.AsSpan(logits.Length - vocab, vocab));
            generated.Add(next);
            ids.Add(next);
            if (model.Config.EosTokenIds.Contains(next))
            {
                break;
            }
        }

        Assert.Equal(tokenizer.Decode([.. generated], skipSpecialTokens: true) + Environment.NewLine, stdout);

        // The .gguf path itself works as well as its folder; a seed repeats a sample, another seed gives another.
        var file = Path.Combine(gguf, "model.gguf");
        var first = CliRunner.Run("generate", file, "-p", Prompt, "-n", "40", "--temperature", "0.9", "--seed", "3");
        var again = CliRunner.Run("generate", file, "-p", Prompt, "-n", "40", "--temperature", "0.9", "--seed", "3");
        var other = CliRunner.Run("generate", file, "-p", Prompt, "-n", "40", "--temperature", "0.9", "--seed", "4");
        Assert.True(first.Exit == 0 && again.Exit == 0 && other.Exit == 0, first.Err + again.Err + other.Err);
        Assert.Equal(first.Out, again.Out);
        Assert.NotEqual(first.Out, other.Out);
    }

    [Fact]
    public void Two_gguf_files_in_a_folder_or_a_truncated_file_get_a_clear_error()
    {
        var gguf = Export("GgufExport, quantization: Q8_0", "gguf");
        var file = Path.Combine(gguf, "model.gguf");
        File.Copy(file, Path.Combine(gguf, "copy.gguf"));
        var two = CliRunner.Run("generate", gguf, "-p", Prompt);
        Assert.Equal(2, two.Exit);
        Assert.Contains("holds 2 .gguf files (copy.gguf, model.gguf); name the one to run", two.Err);

        var bytes = File.ReadAllBytes(file);
        var truncated = Path.Combine(_dir.Path, "truncated", "model.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(truncated)!);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        File.Copy(Path.Combine(gguf, "tokenizer.json"), Path.Combine(_dir.Path, "truncated", "tokenizer.json"));
        var cut = CliRunner.Run("generate", truncated, "-p", Prompt);
        Assert.Equal(2, cut.Exit);
        Assert.Contains("llama.cpp cannot load", cut.Err);
        Assert.DoesNotContain("   at ", cut.Err);
    }

    private string Export(string pass, string name)
    {
        var checkpoint = Path.Combine(HfCheckpointRunTests.RepoRoot(), "tests", "fixtures", "llm", "kjv-llama");
        var recipe = Path.Combine(_dir.Path, $"{name}.yaml");
        var output = Path.Combine(_dir.Path, name);
        File.WriteAllText(recipe, $$"""
            input_model: {type: HfModel, model_path: {{checkpoint}}}
            passes:
              export: {type: {{pass}}}
            cache_dir: {{_dir.Path}}/cache
            output_dir: {{output}}
            """);
        var run = CliRunner.Run("run", recipe);
        Assert.True(run.Exit == 0, run.Err);
        return output;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
