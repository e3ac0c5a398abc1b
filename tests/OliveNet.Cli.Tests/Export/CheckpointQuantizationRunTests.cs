using OliveNet.Onnx;

namespace OliveNet.Cli.Tests.Export;

/// <summary>
/// <c>olivenet run</c> of the shipped SelectiveMixedPrecision → Gptq → Rtn → ModelBuilder recipe: checkpoint passes run
/// through the engine and its cache (their outputs are checkpoints), and the export carries their quantization.
/// </summary>
public sealed class CheckpointQuantizationRunTests : IDisposable
{
    private static readonly string Pipeline = Path.Combine(HfCheckpointRunTests.RepoRoot(), "pipelines", "kjv-llama-gptq-int4-cpu.yaml");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_gptq_recipe_publishes_the_mixed_precision_export_and_a_rerun_reuses_every_pass()
    {
        string[] args = ["run", Pipeline, "--json", "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out"];
        var cold = CliRunner.Json(args);
        var warm = CliRunner.Json(args);

        Assert.Equal(4, warm.GetProperty("passes").GetArrayLength());
        Assert.All(warm.GetProperty("passes").EnumerateArray(), p => Assert.True(p.GetProperty("cache_hit").GetBoolean()));
        Assert.Equal(cold.GetProperty("passes")[3].GetProperty("artifact_id").GetString(), warm.GetProperty("passes")[3].GetProperty("artifact_id").GetString());
        var model = OnnxModel.Load(Path.Combine(_dir.Path, "out", "model.onnx"));
        var bits = model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits")
            .ToDictionary(n => n.Name, n => n.Attribute.Single(a => a.Name == "bits").I);
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.Equal(8, bits["/model/lm_head/MatMulNBits"]); // Rtn's 8-bit head (tied: the embedding's blocks)
        Assert.Equal(8, bits["/model/layers.0/mlp/down_proj/MatMulNBits"]); // k_quant_mixed: first layer
        Assert.Equal(4, bits["/model/layers.1/mlp/down_proj/MatMulNBits"]);
    }

    [Fact]
    public void Olives_kld_gradient_recipe_with_a_text_data_config_runs_and_mixes_4_and_8_bit_layers()
    {
        var pipeline = Path.Combine(HfCheckpointRunTests.RepoRoot(), "pipelines", "kjv-llama-kld-int4-cpu.yaml");
        var run = CliRunner.Json(["run", pipeline, "--json", "--set", $"cache_dir={_dir.Path}/cache", "--set", $"output_dir={_dir.Path}/out"]);

        Assert.Equal(4, run.GetProperty("passes").GetArrayLength());
        var model = OnnxModel.Load(Path.Combine(_dir.Path, "out", "model.onnx"));
        var bits = model.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").Select(n => n.Attribute.Single(a => a.Name == "bits").I).ToList();
        Assert.DoesNotContain(model.Proto.Graph.Node, n => n.OpType == "MatMul");
        Assert.Contains(4L, bits); // the 65 % of the layer parameters kld_gradient leaves at bits
        Assert.True(bits.Count(b => b == 8) >= 2, $"bits {string.Join(", ", bits)}"); // the head and at least one promoted layer module
    }
}
