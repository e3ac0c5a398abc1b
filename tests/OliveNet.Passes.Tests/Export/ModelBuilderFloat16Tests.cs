namespace OliveNet.Passes.Tests.Export;

/// <summary>fp16 exports: weights and activations in float16.</summary>
public sealed class ModelBuilderFloat16Tests
{
    public static TheoryData<string> Architectures => ModelBuilderLogitsTests.Architectures;

    // float16 keeps 11 significant bits: each rounding is ≤ 2^-11 ≈ 5e-4 relative, and activations, weights and every
    // op output are rounded, so logits carry ~1e-3–1e-2 relative error after a few layers: cosine ≥ 0.999 is a
    // safe bound that any wrong cast or fp32/fp16 type mix-up (garbage or NaN) breaks.
    [Theory]
    [MemberData(nameof(Architectures))]
    public void Fp16_export_runs_in_float16_and_keeps_logits_close(string name)
    {
        using var temp = new TempFolder();
        var output = ModelBuilderLogitsTests.Export(name, "fp16", temp.Path);
        var model = OliveNet.Onnx.OnnxModel.Load(Path.Combine(output, "model.onnx"));
        Assert.Equal((int)OliveNet.Onnx.OnnxDataType.Float16, model.Proto.Graph.Output.Single(o => o.Name == "logits").Type.TensorType.ElemType);
        var cosine = ModelBuilderQuantizedTests.Cosine(name, output);
        Assert.True(cosine >= 0.999, $"{name} fp16: cosine {cosine:F6}");
    }
}
