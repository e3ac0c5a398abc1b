using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// <c>olivenet run</c> of recipes shaped as olive-recipes writes its CPU recipes for SmolLM3-3B, Olmo-3-7B-Instruct and
/// HY-MT1.5-1.8B (written here, not copied), pointed at the tiny checkpoints of those architectures, with the
/// calibration text given as a local data config (Olive's default wikitext-2 is not available offline).
/// </summary>
public sealed class OliveDenseDecoderRecipeRunTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("smollm3", true)]
    [InlineData("olmo3", false)]
    public void The_selective_mixed_precision_gptq_rtn_int4_recipe_runs_and_mixes_4_and_8_bits(string fixture, bool tie)
    {
        var passes = new JsonObject
        {
            ["s"] = new JsonObject
            {
                ["type"] = "SelectiveMixedPrecision", ["algorithm"] = "kld_gradient", ["bits"] = 4, ["high_bits"] = 8, ["ratio"] = 0.65,
                ["sym"] = false, ["group_size"] = 128, ["data_config"] = "genesis", ["max_samples"] = 4,
            },
            ["g"] = new JsonObject { ["type"] = "gptq", ["bits"] = 4, ["sym"] = false, ["group_size"] = 128, ["data_config"] = "genesis", ["max_samples"] = 8 },
            ["r"] = Rtn(8, 128),
            ["m"] = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "int4" },
        };
        if (tie)
        {
            passes["t"] = TieWordEmbeddings();
        }

        var run = CliRunner.Json(["run", Recipe(fixture, passes), "--json"]);

        Assert.Equal(tie ? 5 : 4, run.GetProperty("passes").GetArrayLength());
        var bits = Bits();
        Assert.Contains(4L, bits);
        Assert.True(bits.Count(b => b == 8) >= 2, $"bits {string.Join(", ", bits)}"); // the 8-bit head and modules kld_gradient promoted
    }

    [Fact]
    public void The_hy_mt_gptq_rtn_int4_recipe_runs_with_every_matmul_in_4_bits_and_one_external_data_file()
    {
        var passes = new JsonObject
        {
            ["g"] = new JsonObject { ["type"] = "gptq", ["bits"] = 4, ["sym"] = false, ["group_size"] = 32, ["data_config"] = "genesis", ["max_samples"] = 8 },
            ["r"] = Rtn(4, 32),
            ["m"] = new JsonObject { ["type"] = "ModelBuilder", ["precision"] = "int4" },
            ["t"] = TieWordEmbeddings(),
        };
        passes["t"]!["save_as_external_data"] = true;
        passes["t"]!["all_tensors_to_one_file"] = true;
        passes["t"]!["external_data_name"] = "model.onnx.data";

        var run = CliRunner.Json(["run", Recipe("hunyuan", passes), "--json"]);

        Assert.All(Bits(), b => Assert.Equal(4L, b));

        // The surgery after ModelBuilder is checked against its input on an 8-token prompt with an empty cache (the
        // recipe has no data for a decoder), and sharing the table changes no logit.
        var fidelity = run.GetProperty("passes")[3].GetProperty("fidelity");
        Assert.Equal(System.Text.Json.JsonValueKind.Number, fidelity.GetProperty("value").ValueKind);
        Assert.True(fidelity.GetProperty("cosine").GetDouble() > 0.99999, fidelity.ToString());
        Assert.True(File.Exists(Path.Combine(_dir.Path, "out", "model.onnx.data")));
    }

    private static JsonObject Rtn(int bits, int group) => new()
    {
        ["type"] = "rtn", ["bits"] = bits, ["sym"] = false, ["group_size"] = group, ["lm_head"] = true, ["embeds"] = true,
        ["overrides"] = new JsonObject { ["lm_head"] = new JsonObject { ["bits"] = bits }, ["model.embed_tokens"] = new JsonObject { ["bits"] = bits } },
    };

    private static JsonObject TieWordEmbeddings() =>
        new() { ["type"] = "GraphSurgeries", ["surgeries"] = new JsonArray(new JsonObject { ["surgeon"] = "TieWordEmbeddings" }) };

    private List<long> Bits() => OnnxModel.Load(Path.Combine(_dir.Path, "out", "model.onnx")).Proto.Graph.Node
        .Where(n => n.OpType == "MatMulNBits").Select(n => n.Attribute.Single(a => a.Name == "bits").I).ToList();

    /// <summary>The olive-recipes CPU recipe layout (HfModel with float16 load_kwargs, a local CPU system) with the given passes.</summary>
    private string Recipe(string fixture, JsonObject passes)
    {
        var recipe = new JsonObject
        {
            ["input_model"] = new JsonObject
            {
                ["type"] = "HfModel", ["model_path"] = HfFixtures.Checkpoint(fixture), ["load_kwargs"] = new JsonObject { ["torch_dtype"] = "float16" },
            },
            ["systems"] = new JsonObject
            {
                ["local_system"] = new JsonObject
                {
                    ["type"] = "LocalSystem",
                    ["accelerators"] = new JsonArray(new JsonObject { ["device"] = "cpu", ["execution_providers"] = new JsonArray("CPUExecutionProvider") }),
                },
            },
            ["data_configs"] = new JsonArray(new JsonObject
            {
                ["name"] = "genesis",
                ["load_dataset_config"] = new JsonObject
                {
                    ["type"] = "text_files",
                    ["params"] = new JsonObject { ["data_files"] = new JsonArray(Path.Combine(HfCheckpointRunTests.RepoRoot(), "pipelines", "data", "kjv", "genesis-1-4.txt")) },
                },
                ["pre_process_data_config"] = new JsonObject { ["type"] = "tokenize_text", ["params"] = new JsonObject { ["max_length"] = 64 } },
            }),
            ["passes"] = passes,
            ["target"] = "local_system",
            ["log_severity_level"] = 0,
            ["output_dir"] = Path.Combine(_dir.Path, "out"),
            ["cache_dir"] = Path.Combine(_dir.Path, "cache"),
            ["no_artifacts"] = true,
        };
        var path = Path.Combine(_dir.Path, $"{fixture}_cpu_int4.json");
        File.WriteAllText(path, recipe.ToJsonString());
        return path;
    }
}
