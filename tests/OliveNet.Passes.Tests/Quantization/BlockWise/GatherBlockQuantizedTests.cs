using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.BlockWise;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization.BlockWise;

/// <summary>Gather on a constant embedding table → com.microsoft.GatherBlockQuantized, run by ORT.</summary>
public sealed class GatherBlockQuantizedTests
{
    private const int Rows = 8;
    private const int Width = 64;
    private const int Block = 32;

    /// <summary>
    /// E [8, 64] seeded in [−1, 1), ids [3, 0, 7, 3], block 32, asymmetric 4-bit. For each block, the reference's rule
    /// gives step s = (max(b, 0) − min(b, 0)) / 15 and codes round(x/s + zp) within 0..15, so every dequantized value is
    /// within s/2 of the float one (plus float32 rounding, 1e−6). The bound is computed here from the FP32 table only.
    /// </summary>
    [Fact]
    public void Gathered_rows_come_back_within_half_a_step_of_the_float_table_and_ORT_runs_GatherBlockQuantized()
    {
        using var temp = new TempFolder();
        var table = ModelRunner.SeededFloats(Rows * Width, 21);
        var model = Write(temp.Sub("in"), table);
        var options = new OnnxBlockWiseRtnQuantizationOptions { BlockSize = Block, IsSymmetric = false, OpTypesToQuantize = ["MatMul", "Gather"] };
        var log = new StringWriter();
        var quantized = PassRunner.Run(new OnnxBlockWiseRtnQuantizationPass(), model, options, temp.Sub("out"), log);
        Assert.Contains("GatherBlockQuantized: 1 embedding table(s)", log.ToString(), StringComparison.Ordinal);
        Assert.True(OrtGraph.OptimizedOps(quantized).ContainsKey("com.microsoft.GatherBlockQuantized"));

        long[] ids = [3, 0, 7, 3];
        using var value = OrtValue.CreateTensor<long>(ids.ToArray(), [ids.Length]);
        var rows = ModelRunner.Run(quantized, ("ids", value))["y"];
        for (var r = 0; r < ids.Length; r++)
        {
            for (var b = 0; b < Width / Block; b++)
            {
                var block = table.AsSpan((int)(ids[r] * Width) + (b * Block), Block);
                var step = (Math.Max(0f, Max(block)) - Math.Min(0f, Min(block))) / 15;
                for (var i = 0; i < Block; i++)
                {
                    var diff = Math.Abs(rows[(r * Width) + (b * Block) + i] - block[i]);
                    Assert.True(diff <= (step / 2) + 1e-6, $"row {ids[r]} block {b} value {i}: |diff| {diff} > step/2 {step / 2}");
                }
            }
        }
    }

    [Fact]
    public void Gather_with_8_bits_is_refused_with_what_to_set()
    {
        var problems = new OnnxBlockWiseRtnQuantizationPass().Validate(new OnnxBlockWiseRtnQuantizationOptions { Bits = 8, OpTypesToQuantize = ["MatMul", "Gather"] }, Engine.Passes.Target.Cpu);
        Assert.Contains(problems, p => p.StartsWith("op_types_to_quantize: Gather is quantized to 4-bit GatherBlockQuantized only", StringComparison.Ordinal));
    }

    private static float Max(ReadOnlySpan<float> v)
    {
        var m = float.NegativeInfinity;
        foreach (var x in v)
        {
            m = Math.Max(m, x);
        }

        return m;
    }

    private static float Min(ReadOnlySpan<float> v)
    {
        var m = float.PositiveInfinity;
        foreach (var x in v)
        {
            m = Math.Min(m, x);
        }

        return m;
    }

    private static string Write(string folder, float[] table)
    {
        var g = new GraphProto { Name = "embedding" };
        g.Input.Add(QuantTestKit.Value("ids", [4], OnnxDataType.Int64));
        g.Output.Add(QuantTestKit.Value("y", [4, Width]));
        g.Initializer.Add(TensorData.Create<float>("E", table, [Rows, Width]));
        var gather = new NodeProto { OpType = "Gather", Name = "embed" };
        gather.Input.AddRange(["E", "ids"]);
        gather.Output.Add("y");
        g.Node.Add(gather);
        var model = new ModelProto { IrVersion = 8, Graph = g, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        var path = Path.Combine(folder, "model.onnx");
        OnnxModel.FromProto(model, folder).Save(path);
        return path;
    }
}
