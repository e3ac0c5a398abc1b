using System.Text.Json.Nodes;
using OliveNet.Passes.Tests.Export;
using OliveNet.Runtime.Generation;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// <c>olivenet run</c> of a recipe shaped as olive-recipes writes its Whisper CPU recipes (written here, not copied):
/// an HfModel with task automatic-speech-recognition exported by ModelBuilder in fp32, pointed at the tiny Whisper
/// checkpoint; the published folder is what ONNX Runtime GenAI's whisper type loads and decodes with.
/// </summary>
public sealed class WhisperRecipeRunTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_whisper_modelbuilder_fp32_recipe_publishes_a_folder_genai_decodes_the_reference_chain_with()
    {
        var passes = new JsonObject { ["builder"] = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "fp32" } };

        var run = CliRunner.Json(["run", Recipe(passes), "--json"]);

        Assert.Equal(1, run.GetProperty("passes").GetArrayLength());
        var output = Path.Combine(_dir.Path, "out");
        foreach (var file in new[] { "model.onnx", "model.onnx.data", "encoder.onnx", "encoder.onnx.data", "genai_config.json", "audio_processor_config.json", "tokenizer.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "genai_config.json")))!["model"]!;
        Assert.Equal("whisper", genai["type"]!.GetValue<string>());
        Assert.Equal("encoder.onnx", genai["encoder"]!["filename"]!.GetValue<string>());

        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint("whisper"), "reference.json")))!;
        int[] Ints(string key) => reference["greedy"]![key]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var features = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(
            File.ReadAllBytes(Path.Combine(HfFixtures.Checkpoint("whisper"), "reference_features.f32"))).ToArray();
        using var model = GenAISpeechModel.Load(output);
        var result = model.Transcribe(features, reference["mels"]!.GetValue<int>(), Ints("prompt"), Ints("prompt").Length + Ints("tokens").Length);
        Assert.Equal(Ints("tokens"), result.Tokens);

        // olivenet transcribe prints what GenAI transcribes from a real 8 kHz prompt (random weights: the text is noise, the
        // same noise); generate on a speech model says to use transcribe.
        var wav = OliveNet.Engine.Tests.Data.Speech.AsteriskSounds.Wav("hello-world");
        var (exit, stdout, stderr) = CliRunner.Run("transcribe", output, wav);
        Assert.True(exit == 0, stderr);
        Assert.Equal(model.Transcribe(wav).Text.Trim(), stdout.TrimEnd('\n'));
        Assert.Contains("1.40 s of audio in", stderr, StringComparison.Ordinal);
        (exit, _, stderr) = CliRunner.Run("generate", output, "-p", "hello");
        Assert.Equal(2, exit);
        Assert.Contains("is a Whisper (speech-to-text) model; transcribe audio with: olivenet transcribe", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_whisper_int8_kquant_recipe_shape_runs_quantizes_encoder_and_decoder_and_loads_in_genai()
    {
        var passes = new JsonObject
        {
            ["builder"] = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "fp32" },
            ["onnx_kquant_quantization"] = new JsonObject
            {
                ["type"] = "OnnxKQuantQuantization", ["bits"] = 8, ["block_size"] = 32, ["accuracy_level"] = 4, ["save_as_external_data"] = true,
            },
        };

        var run = CliRunner.Json(["run", Recipe(passes), "--json"]);

        Assert.Equal(2, run.GetProperty("passes").GetArrayLength());
        var output = Path.Combine(_dir.Path, "out");
        // Both components genai_config.json names are quantized: every projection of the encoder and the decoder.
        int NBits(string file) => OliveNet.Onnx.OnnxModel.Load(Path.Combine(output, file)).Proto.Graph.Node.Count(n => n.OpType == "MatMulNBits");
        Assert.Equal(16, NBits("encoder.onnx"));
        Assert.Equal(17, NBits("model.onnx"));
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(HfFixtures.Checkpoint("whisper"), "reference.json")))!;
        var prompt = reference["greedy"]!["prompt"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var features = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(
            File.ReadAllBytes(Path.Combine(HfFixtures.Checkpoint("whisper"), "reference_features.f32"))).ToArray();
        using var model = GenAISpeechModel.Load(output);
        Assert.Equal(4, model.Transcribe(features, reference["mels"]!.GetValue<int>(), prompt, prompt.Length + 4).Tokens.Length);
    }

    /// <summary>The olive-recipes Whisper CPU recipe layout (HfModel with its task, a local CPU system) with the given passes.</summary>
    private string Recipe(JsonObject passes)
    {
        var recipe = new JsonObject
        {
            ["input_model"] = new JsonObject
            {
                ["type"] = "HfModel", ["model_path"] = HfFixtures.Checkpoint("whisper"), ["task"] = "automatic-speech-recognition",
            },
            ["systems"] = new JsonObject
            {
                ["local_system"] = new JsonObject
                {
                    ["type"] = "LocalSystem",
                    ["accelerators"] = new JsonArray(new JsonObject { ["device"] = "cpu", ["execution_providers"] = new JsonArray("CPUExecutionProvider") }),
                },
            },
            ["engine"] = new JsonObject { ["target"] = "local_system" },
            ["passes"] = passes,
            ["output_dir"] = Path.Combine(_dir.Path, "out"),
            ["cache_dir"] = Path.Combine(_dir.Path, "cache"),
        };
        var path = Path.Combine(_dir.Path, "whisper_cpu_fp32.json");
        File.WriteAllText(path, recipe.ToJsonString());
        return path;
    }
}
