using System.Text.Json.Nodes;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Graph.Surgeries;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Graph.Surgeries;

/// <summary>GemmToMatMulAdd, ReciprocalMulToDiv, RenameInputDims/OutputDims and RenameInputs on Silero VAD and PP-OCRv4.</summary>
public sealed class GraphRewriteSurgeriesTests(ITestOutputHelper output)
{
    private static GraphSurgeriesOptions Options(params string[] surgeries) =>
        new() { Surgeries = surgeries.Select(s => JsonNode.Parse(s)!.AsObject()).ToArray() };

    private static Dictionary<string, float[]> RunVad(string path, string inputName = "input")
    {
        using var input = OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(512, 11), [1, 512]);
        using var state = OrtValue.CreateTensor<float>(new float[2 * 128], [2, 1, 128]);
        using var sr = OrtValue.CreateTensor<long>(new long[] { 16000 }, []);
        return ModelRunner.Run(path, (inputName, input), ("state", state), ("sr", sr));
    }

    [Fact]
    public void Silero_VAD_Gemms_become_MatMul_and_Add_with_the_same_outputs()
    {
        using var temp = new TempFolder();
        var gemms = SurgeryModels.Count(TestModels.SileroIfless, "Gemm");
        Assert.True(gemms > 0, "the if-less Silero VAD has Gemm nodes");
        var rewritten = PassRunner.Run(new GraphSurgeriesPass(), TestModels.SileroIfless, Options("""{"surgeon": "GemmToMatMulAdd"}"""), temp.Sub("out"));

        Assert.Equal(0, SurgeryModels.Count(rewritten, "Gemm"));
        Assert.Equal(SurgeryModels.Count(TestModels.SileroIfless, "MatMul") + gemms, SurgeryModels.Count(rewritten, "MatMul"));
        var expected = RunVad(TestModels.SileroIfless);
        var actual = RunVad(rewritten);
        foreach (var (name, values) in expected)
        {
            // The same products, summed by another kernel: float32 rounding only.
            var diff = ModelRunner.MaxAbsDiff(values, actual[name]);
            output.WriteLine($"{name}: max |diff| {diff:E2}");
            Assert.True(diff <= 1e-5 * Math.Max(1, values.Max(Math.Abs)), $"{name} moved by {diff:E2}");
        }
    }

    [Fact]
    public void A_Reciprocal_times_Mul_in_PP_OCRv4_becomes_Div_again_within_float_rounding()
    {
        using var temp = new TempFolder();

        // PP-OCRv4 normalizes with Div(a, Sqrt(..)); write those as Mul(a, Reciprocal(Sqrt(..))) — the form torch.rsqrt exports.
        var model = OnnxModel.Load(TestModels.OcrRec);
        var g = model.MainGraph.Proto;
        var divs = g.Node.Where(n => n.OpType == "Div" && model.MainGraph.Producer(n.Input[1])?.OpType == "Sqrt").ToList();
        Assert.NotEmpty(divs);
        foreach (var div in divs)
        {
            var reciprocal = new NodeProto { OpType = "Reciprocal", Name = div.Name + "_recip" };
            reciprocal.Input.Add(div.Input[1]);
            reciprocal.Output.Add(div.Name + "_recip_out");
            g.Node.Insert(g.Node.IndexOf(div), reciprocal);
            div.OpType = "Mul";
            div.Input[1] = reciprocal.Output[0];
        }

        var source = Path.Combine(temp.Sub("src"), "model.onnx");
        File.WriteAllBytes(source, model.Proto.ToByteArray());
        var rewritten = PassRunner.Run(new GraphSurgeriesPass(), source, Options("""{"surgeon": "ReciprocalMulToDiv"}"""), temp.Sub("out"));

        Assert.Equal(0, SurgeryModels.Count(rewritten, "Reciprocal"));
        Assert.Equal(SurgeryModels.Count(TestModels.OcrRec, "Div"), SurgeryModels.Count(rewritten, "Div"));
        var expected = ModelRunner.RunImage(TestModels.OcrRec, [1, 3, 48, 320]);
        var actual = ModelRunner.RunImage(rewritten, [1, 3, 48, 320]);
        foreach (var (name, values) in expected)
        {
            Assert.True(ModelRunner.MaxAbsDiff(values, actual[name]) <= 1e-5, $"{name} moved by {ModelRunner.MaxAbsDiff(values, actual[name]):E2}");
        }
    }

    [Fact]
    public void Renamed_dimensions_and_inputs_reach_ONNX_Runtime_and_leave_the_outputs_alone()
    {
        using var temp = new TempFolder();
        var rewritten = PassRunner.Run(new GraphSurgeriesPass(), TestModels.SileroIfless, Options(
            """{"surgeon": "RenameInputDims", "input_name": "input", "dim_idx": 1, "dim_name": "samples"}""",
            """{"surgeon": "RenameOutputDims", "output_idx": 0, "dim_idx": 0, "dim_name": "batch_out"}""",
            """{"surgeon": "RenameInputs", "old_names": ["input"], "new_names": ["audio"]}"""), temp.Sub("out"));

        var graph = OnnxModel.Load(rewritten).MainGraph.Proto;
        Assert.Equal("samples", graph.Input.Single(i => i.Name == "audio").Type.TensorType.Shape.Dim[1].DimParam);
        Assert.Equal("batch_out", graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        using (var session = new InferenceSession(rewritten))
        {
            Assert.Contains(session.Inputs, i => i.Name == "audio");
        }

        var expected = RunVad(TestModels.SileroIfless);
        var actual = RunVad(rewritten, "audio");
        foreach (var (name, values) in expected)
        {
            Assert.Equal(values, actual[name]);
        }
    }

    [Fact]
    public void A_dimension_index_past_the_shape_fails_the_pass_with_the_input_and_its_rank()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<Engine.Passes.PassFailedException>(() => PassRunner.Run(new GraphSurgeriesPass(), TestModels.SileroIfless,
            Options("""{"surgeon": "RenameInputDims", "input_name": "input", "dim_idx": 5, "dim_name": "x"}"""), temp.Sub("out")));
        Assert.Contains("dim_idx 5 is out of range; 'input' has 2 dimensions", e.Message, StringComparison.Ordinal);
    }
}
