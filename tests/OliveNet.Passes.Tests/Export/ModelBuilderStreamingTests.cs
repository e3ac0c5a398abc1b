using OliveNet.Passes.Export;

namespace OliveNet.Passes.Tests.Export;

/// <summary>Weights written in small chunks (as large checkpoints are) give exactly the bytes of a whole-tensor export.</summary>
public sealed class ModelBuilderStreamingTests
{
    [Theory]
    [InlineData("phi3", "fp32")]
    [InlineData("phi3", "int4")]
    [InlineData("qwen2", "int8")]
    [InlineData("gemma3", "fp16")]
    [InlineData("mistral", "int4")]
    public void Chunked_export_is_byte_identical_to_whole_tensor_export(string name, string precision)
    {
        using var temp = new TempFolder();
        var whole = new ExportSettings(precision, 32, precision != "int8", 4, false, false);

        // 1000 elements: every projection and the embedding table (≥ 64 × 96) is split into many chunks, some of
        // which cut through fused tensors (Phi-3 qkv_proj, gate_up_proj) and through quantization blocks' columns.
        var chunked = whole with { ChunkElements = 1000 };
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), temp.Sub("whole"), whole, TextWriter.Null, default);
        ModelBuilderPass.Export(HfFixtures.Checkpoint(name), temp.Sub("chunked"), chunked, TextWriter.Null, default);
        PassRunner.AssertSameFiles(Path.Combine(temp.Path, "whole"), Path.Combine(temp.Path, "chunked"));
    }
}
