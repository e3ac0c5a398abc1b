namespace OliveNet.Runtime.Tests;

public class InferenceSessionTests
{
    private static readonly long[] AddShape = [3, 4, 5];

    internal static float[] Ramp(int count, float start, float step) =>
        Enumerable.Range(0, count).Select(i => start + (i * step)).ToArray();

    [Fact]
    public void Add_model_returns_the_elementwise_sum()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        var x = Ramp(60, -3f, 0.25f);
        var y = Ramp(60, 10f, -0.5f);
        using var xv = OrtValue.CreateTensor<float>(x, AddShape);
        using var yv = OrtValue.CreateTensor<float>(y, AddShape);

        using var outputs = session.Run([new("x", xv), new("y", yv)]);

        var sum = Assert.Single(outputs);
        Assert.Equal(AddShape, sum.Shape);
        Assert.Equal(TensorElementType.Float, sum.ElementType);
        // Each value is exactly representable, so the float sum is exact.
        Assert.Equal(x.Zip(y, (a, b) => a + b).ToArray(), sum.GetTensorData<float>().ToArray());
        Assert.Equal("sum", Assert.Single(outputs.Names));
    }

    [Fact]
    public void MatMul_model_matches_a_hand_computed_product()
    {
        using var session = new InferenceSession(Fixtures.Node("test_matmul_2d"));
        var a = Ramp(12, 1f, 1f); // 3x4
        var b = Ramp(12, -2f, 0.5f); // 4x3
        using var av = OrtValue.CreateTensor<float>(a, [3, 4]);
        using var bv = OrtValue.CreateTensor<float>(b, [4, 3]);

        using var outputs = session.Run([new("a", av), new("b", bv)]);

        var c = outputs["c"].GetTensorData<float>();
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                var expected = 0f;
                for (var k = 0; k < 4; k++)
                {
                    expected += a[(i * 4) + k] * b[(k * 3) + j];
                }

                // Small integers and halves: every partial sum is exact in float32.
                Assert.Equal(expected, c[(i * 3) + j]);
            }
        }
    }

    [Fact]
    public void Metadata_lists_names_types_and_static_shapes()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));

        Assert.Equal(["x", "y"], session.Inputs.Select(i => i.Name));
        var sum = Assert.Single(session.Outputs);
        Assert.Equal("sum", sum.Name);
        Assert.Equal(OnnxValueType.Tensor, sum.ValueType);
        Assert.Equal(TensorElementType.Float, sum.ElementType);
        Assert.Equal(AddShape, sum.Shape);
        Assert.All(sum.SymbolicDims, d => Assert.Equal(string.Empty, d));
    }

    [Fact]
    public void Metadata_reports_dynamic_dimensions_as_minus_one_with_their_names()
    {
        using var session = new InferenceSession(Fixtures.OcrRecognizer());

        var x = Assert.Single(session.Inputs);
        Assert.Equal([-1L, 3, 48, -1], x.Shape);
        Assert.Equal(["p2o.DynamicDimension.0", "", "", "p2o.DynamicDimension.1"], x.SymbolicDims);
        var y = Assert.Single(session.Outputs);
        Assert.Equal([-1L, -1, 6625], y.Shape);
    }

    [Fact]
    public void Metadata_describes_sequence_inputs_without_element_type()
    {
        using var session = new InferenceSession(Fixtures.Node("test_identity_sequence"));

        var x = Assert.Single(session.Inputs);
        Assert.Equal(OnnxValueType.Sequence, x.ValueType);
        Assert.Equal(TensorElementType.Undefined, x.ElementType);
        Assert.Empty(x.Shape);
    }

    [Fact]
    public void Ocr_recognizer_softmax_rows_each_sum_to_one()
    {
        using var session = new InferenceSession(Fixtures.OcrRecognizer());
        const int width = 96;
        var input = new float[2 * 3 * 48 * width];
        for (var i = 0; i < input.Length; i++)
        {
            // A deterministic "text-like" pattern in the normalized range [-1, 1].
            input[i] = MathF.Sin(i * 0.37f) * MathF.Cos(i * 0.011f);
        }

        using var x = OrtValue.CreateTensor<float>(input, [2, 3, 48, width]);
        using var outputs = session.Run([new("x", x)]);

        var probabilities = outputs[0];
        Assert.Equal([2L, width / 8, 6625], probabilities.Shape);
        var data = probabilities.GetTensorData<float>();
        for (var row = 0; row < data.Length / 6625; row++)
        {
            var slice = data.Slice(row * 6625, 6625);
            double sum = 0;
            foreach (var p in slice)
            {
                Assert.InRange(p, 0f, 1f);
                sum += p;
            }

            // 6625 float32 terms of at most 1, each off by <= 2^-24 relative: ~4e-4 worst case, ~1e-5 typical; ORT's own
            // float accumulation in softmax adds similar error, so 1e-4 holds with margin for a well-conditioned row.
            Assert.InRange(sum, 1 - 1e-4, 1 + 1e-4);
        }
    }

    [Fact]
    public void Requested_outputs_come_back_in_the_requested_order()
    {
        using var session = new InferenceSession(Fixtures.Simple("test_sequence_model1"));
        using var x = OrtValue.CreateTensor<float>(Ramp(24, 0, 1), [2, 3, 4]);
        using var y = OrtValue.CreateTensor<float>(Ramp(12, 100, 1), [1, 3, 4]);
        using var z = OrtValue.CreateTensor<float>(Ramp(36, 200, 1), [3, 3, 4]);

        using var outputs = session.Run([new("Z", z), new("X", x), new("Y", y)], ["out"]);

        Assert.Equal("out", Assert.Single(outputs.Names));
        Assert.Equal(3, outputs[0].Shape[1]);
    }

    [Fact]
    public void A_wrong_input_name_fails_with_ort_message()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);

        var e = Assert.Throws<OrtException>(() => session.Run([new("x", xv), new("not_an_input", xv)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("not_an_input", e.Message, StringComparison.Ordinal);
        Assert.Contains("test_add", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_input_shape_fails_with_ort_message()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);
        using var small = OrtValue.CreateTensor<float>(new float[20], [4, 5]);

        var e = Assert.Throws<OrtException>(() => session.Run([new("x", xv), new("y", small)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("Invalid rank for input: y", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_dimension_fails_with_ort_message_naming_the_input()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);
        using var other = OrtValue.CreateTensor<float>(new float[60], [3, 5, 4]);

        var e = Assert.Throws<OrtException>(() => session.Run([new("x", xv), new("y", other)]));

        Assert.Equal(OrtErrorCode.InvalidArgument, e.Code);
        Assert.Contains("input: y", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_input_element_type_fails_with_ort_message()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);
        using var ints = OrtValue.CreateTensor<int>(new int[60], AddShape);

        var e = Assert.Throws<OrtException>(() => session.Run([new("x", xv), new("y", ints)]));

        Assert.Contains("type", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Session_from_bytes_gives_the_same_metadata_and_results_as_from_file()
    {
        var path = Fixtures.Node("test_add");
        using var fromFile = new InferenceSession(path);
        using var fromBytes = new InferenceSession(File.ReadAllBytes(path));
        using var xv = OrtValue.CreateTensor<float>(Ramp(60, 0.5f, 1.5f), AddShape);
        using var yv = OrtValue.CreateTensor<float>(Ramp(60, 7f, -0.25f), AddShape);

        using var a = fromFile.Run([new("x", xv), new("y", yv)]);
        using var b = fromBytes.Run([new("x", xv), new("y", yv)]);

        Assert.Equal(fromFile.Inputs.Select(i => (i.Name, i.ElementType, string.Join(",", i.Shape))), fromBytes.Inputs.Select(i => (i.Name, i.ElementType, string.Join(",", i.Shape))));
        Assert.Equal(a[0].GetTensorData<float>().ToArray(), b[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void A_missing_model_file_fails_with_no_such_file_and_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), "olivenet-no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");

        var e = Assert.Throws<OrtException>(() => new InferenceSession(path));

        Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_a_model_fail_with_invalid_protobuf()
    {
        var e = Assert.Throws<OrtException>(() => new InferenceSession("definitely not protobuf"u8));

        Assert.Equal(OrtErrorCode.InvalidProtobuf, e.Code);
        Assert.Contains("in-memory model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposing_twice_is_safe_and_use_after_dispose_throws()
    {
        var session = new InferenceSession(Fixtures.Node("test_add"));
        session.Dispose();
        session.Dispose();
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);

        Assert.Throws<ObjectDisposedException>(() => session.Run([new("x", xv), new("y", xv)]));
    }

    [Fact]
    public void A_terminated_run_options_stops_the_run()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var xv = OrtValue.CreateTensor<float>(new float[60], AddShape);
        using var runOptions = new RunOptions();
        runOptions.Terminate();

        var e = Assert.Throws<OrtException>(() => session.Run([new("x", xv), new("y", xv)], runOptions: runOptions));
        Assert.Contains("terminate", e.Message, StringComparison.OrdinalIgnoreCase);

        runOptions.ResetTerminate();
        using var outputs = session.Run([new("x", xv), new("y", xv)], runOptions: runOptions);
        Assert.Single(outputs);
    }
}
