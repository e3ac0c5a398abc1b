using OliveNet.Engine.Passes;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Passes.Quantization.Dynamic;
using OliveNet.Passes.Quantization.Float16;
using OliveNet.Passes.Tests.Quantization.Dynamic;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Decoder;

/// <summary>
/// The GPT-2-style decoder exported by <c>tests/fixtures/torch/export_decoder.py</c> (4 pre-LN blocks, hidden 256, vocab
/// 2048, LM head tied to the embedding) through dynamic INT8, 4-bit RTN and HQQ MatMulNBits (block 32) and FP16: the
/// fused op ORT runs, logits cosine and next-token (argmax) agreement against FP32 on 64 tokens, file size and p50
/// latency ratios, measured in one run.
/// </summary>
public sealed class DecoderQuantizationTests(ITestOutputHelper output)
{
    private const int Sequence = 64;
    private const int Vocab = 2048;

    /// <summary>
    /// Floors: FP16 keeps ~11 significant bits per value, so its logits cosine is held to 0.9999; INT8 per-tensor
    /// activations and weights to 0.99 (as the encoder); 4-bit weights (16 levels per block of 32) to 0.95 — a wrong
    /// nibble order, scale or zero point drops the cosine of these logits to near 0. Argmax agreement is reported only:
    /// with GPT-2's random initialisation the logits of a position are close together, so ties flip easily.
    /// </summary>
    [Fact]
    public void Each_pass_keeps_the_decoders_logits_close_to_FP32_and_ORT_runs_the_intended_op()
    {
        using var temp = new TempFolder();
        var fp32 = TorchFixtures.Decoder;
        var variants = new (string Name, string Model, string FusedOp, double Floor)[]
        {
            ("dynamic INT8", Run(new OnnxDynamicQuantizationPass(), fp32, new OnnxDynamicQuantizationOptions(), temp.Sub("int8")), "com.microsoft.DynamicQuantizeMatMul", 0.99),
            ("RTN 4-bit b32", Run(new OnnxBlockWiseRtnQuantizationPass(), fp32, new OnnxBlockWiseRtnQuantizationOptions { BlockSize = 32 }, temp.Sub("rtn")), "com.microsoft.MatMulNBits", 0.95),
            ("RTN 4-bit b32 + Gather", Run(new OnnxBlockWiseRtnQuantizationPass(), fp32, new OnnxBlockWiseRtnQuantizationOptions { BlockSize = 32, OpTypesToQuantize = ["MatMul", "Gather"] }, temp.Sub("rtn-gather")), "com.microsoft.GatherBlockQuantized", 0.95),
            ("HQQ 4-bit b32", Run(new OnnxHqqQuantizationPass(), fp32, new OnnxHqqQuantizationOptions { BlockSize = 32 }, temp.Sub("hqq")), "com.microsoft.MatMulNBits", 0.95),
            ("FP16", Run(new OnnxFloatToFloat16Pass(), fp32, new OnnxFloatToFloat16Options { KeepIoTypes = true }, temp.Sub("fp16")), string.Empty, 0.9999),
        };

        var ids = new long[Sequence];
        var random = new Random(5);
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = random.Next(0, Vocab);
        }

        var expected = Logits(fp32, ids);
        output.WriteLine($"| variant | fused op in ORT | logits cosine | argmax agreement | size FP32/variant | p50 FP32 / variant (seq {Sequence}, 1 thread) |");
        var failures = new List<string>();
        foreach (var (name, model, op, floor) in variants)
        {
            var ops = OrtGraph.OptimizedOps(model);
            var actual = Logits(model, ids);
            var cosine = Similarity.Cosine(expected, actual);
            var size = (double)Bytes(fp32) / Bytes(model);
            using var idsValue = OrtValue.CreateTensor<long>(ids.ToArray(), [1, ids.Length]);
            var (a, b) = QuantTestKit.MedianLatency(fp32, model, "input_ids", idsValue, runs: 15);
            output.WriteLine($"| {name} | {(op.Length == 0 ? "-" : $"{op}×{ops.GetValueOrDefault(op)}")} | {cosine:F5} | {Similarity.ArgmaxAgreement(expected, actual, Vocab):P1} | {size:F2}x | {a:F2} / {b:F2} ms = {a / b:F2}x |");
            if (op.Length > 0 && ops.GetValueOrDefault(op) == 0)
            {
                failures.Add($"{name}: ORT did not run {op}");
            }

            if (cosine < floor)
            {
                failures.Add($"{name}: cosine {cosine:F5} < {floor}");
            }
        }

        Assert.Empty(failures);
    }

    private static string Run<TOptions>(IPass<TOptions> pass, string model, TOptions options, string folder)
        where TOptions : class, new() => PassRunner.Run(pass, model, options, folder);

    private static long Bytes(string model) =>
        Directory.GetFiles(Path.GetDirectoryName(model)!).Where(f => Path.GetFileName(f).StartsWith(Path.GetFileName(model), StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);

    private static float[] Logits(string model, long[] ids)
    {
        using var value = OrtValue.CreateTensor<long>(ids.ToArray(), [1, ids.Length]);
        return ModelRunner.Run(model, ("input_ids", value))["logits"];
    }
}
