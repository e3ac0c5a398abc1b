using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

/// <summary>
/// GPTQ's layer inputs come from one-layer ONNX exports run through ONNX Runtime: chaining every layer's slice from the
/// embedding lookup, then the final norm and the head in C#, must reproduce the fixture's float64 PyTorch logits — so
/// each slice's residual output is exactly the stream the next layer (and GPTQ's Hessians) should see.
/// </summary>
public sealed class LayerCalibratorTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // The fp32 bound of ModelBuilderLogitsTests (float32 rounding through a few layers, relative to the logit scale).
    private const double Fp32Tolerance = 1e-4;

    [Theory]
    [MemberData(nameof(ModelBuilderLogitsTests.Architectures), MemberType = typeof(ModelBuilderLogitsTests))]
    public void Layer_slices_chained_from_the_embeddings_reproduce_the_reference_logits(string name)
    {
        using var temp = new TempFolder();
        var source = HfFixtures.Checkpoint(name);
        var hf = HfConfig.Load(source);
        using var checkpoint = SafeTensorsCheckpoint.Open(source);
        var calibrator = new LayerCalibrator(CheckpointInput.Config(source), hf, checkpoint, temp.Path);
        var (ids, expected, vocab) = HfFixtures.Reference(name);
        var hidden = calibrator.Embed([ids])[0];
        for (var layer = 0; layer < hf.Layers; layer++)
        {
            using var run = calibrator.Open(layer, new Dictionary<string, float[]>(), []);
            hidden = run.Run(hidden, []).Residual;
        }

        calibrator.FinalNorm(hidden);
        var head = checkpoint.ReadFloat32(checkpoint.Contains("lm_head.weight") && !hf.TieEmbeddings ? "lm_head.weight" : "model.embed_tokens.weight");
        var logits = new float[ids.Length * vocab];
        for (var t = 0; t < ids.Length; t++)
        {
            for (var v = 0; v < vocab; v++)
            {
                double sum = 0;
                for (var i = 0; i < hf.Hidden; i++)
                {
                    sum += (double)hidden[(t * hf.Hidden) + i] * head[(v * hf.Hidden) + i];
                }

                logits[(t * vocab) + v] = (float)sum;
            }
        }

        var scale = expected.Max(Math.Abs);
        var error = ModelRunner.MaxAbsDiff(expected, logits);
        log.WriteLine($"{name}: {hf.Layers} chained layer slices, max |Δlogit| {error:G3}, relative {error / scale:G3}");
        Assert.True(error <= Fp32Tolerance * scale, $"{name}: max |Δlogit| {error:G4} exceeds {Fp32Tolerance} × {scale:G4}");
    }
}
