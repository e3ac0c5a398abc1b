using System.Text.Json;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// An input of two ONNX components named in genai_config.json (the layout of a Whisper export: decoder <c>model.onnx</c>,
/// <c>encoder.onnx</c>), here two copies of the committed Fashion-MNIST CNN (its weights are Gemms): a block-wise weight
/// quantization (the family of Olive's Whisper CPU recipe's OnnxKQuantQuantization) runs and publishes both quantized; a pass that rewrites only model.onnx is
/// refused rather than publishing an encoder it never saw.
/// </summary>
public sealed class ModelComponentsRunTests : IDisposable
{
    private static readonly string Cnn = Path.Combine(RepoRoot(), "pipelines", "models", "fashion-mnist-cnn.onnx");
    private readonly TempDir _dir = new();

    public ModelComponentsRunTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "two"));
        File.Copy(Cnn, Path.Combine(_dir.Path, "two", "model.onnx"));
        File.Copy(Cnn, Path.Combine(_dir.Path, "two", "encoder.onnx"));
        _dir.File("two/genai_config.json", """{"model": {"type": "whisper", "encoder": {"filename": "encoder.onnx"}, "decoder": {"filename": "model.onnx"}}}""");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_block_wise_quantization_publishes_every_component_quantized()
    {
        var (exit, _, stderr) = CliRunner.Run("run", _dir.File("rtn.json", Recipe("""{"type": "OnnxBlockWiseRtnQuantization", "bits": 8, "op_types_to_quantize": ["MatMul", "Gemm"]}""")));

        Assert.True(exit == 0, stderr);
        Assert.Contains("(encoder.onnx): quantized", stderr, StringComparison.Ordinal);
        var published = Path.Combine(_dir.Path, "out");
        var encoder = File.ReadAllBytes(Path.Combine(published, "encoder.onnx"));
        Assert.True(encoder.AsSpan().IndexOf("MatMulNBits"u8) >= 0, "encoder.onnx has no MatMulNBits");
        // Both components were the same CNN: the same quantizer writes the same weights beside each.
        Assert.Equal(File.ReadAllBytes(Path.Combine(published, "model.onnx.data")), File.ReadAllBytes(Path.Combine(published, "encoder.onnx.data")));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(published, "manifest.json")));
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
        Assert.Contains("encoder.onnx", files);
        Assert.Contains("genai_config.json", files);
    }

    [Fact]
    public void A_pass_that_rewrites_only_model_onnx_is_refused_with_the_components_named()
    {
        var (exit, _, stderr) = CliRunner.Run("run", _dir.File("dynamic.json", Recipe("""{"type": "OnnxDynamicQuantization"}""")));

        Assert.NotEqual(0, exit);
        Assert.Contains("2 ONNX components (model.onnx, encoder.onnx", stderr, StringComparison.Ordinal);
        Assert.Contains("OnnxDynamicQuantization rewrites only model.onnx", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "out")), "nothing may be published");
    }

    private string Recipe(string pass) => $$"""
        {
          "input_model": {"type": "ONNXModel", "model_path": "{{Path.Combine(_dir.Path, "two", "model.onnx")}}"},
          "passes": {"quantize": {{pass}}},
          "cache_dir": "cache",
          "output_dir": "out"
        }
        """;

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
