namespace OliveNet.Runtime.Tests;

public class SessionOptionsTests
{
    private static readonly long[] AddShape = [3, 4, 5];

    private static float[] RunAdd(InferenceSession session)
    {
        var x = InferenceSessionTests.Ramp(60, -1f, 0.5f);
        var y = InferenceSessionTests.Ramp(60, 2f, 0.25f);
        using var xv = OrtValue.CreateTensor<float>(x, AddShape);
        using var yv = OrtValue.CreateTensor<float>(y, AddShape);
        using var outputs = session.Run([new("x", xv), new("y", yv)]);
        var sum = outputs[0].GetTensorData<float>().ToArray();
        Assert.Equal(x.Zip(y, (a, b) => a + b).ToArray(), sum);
        return sum;
    }

    [Fact]
    public void The_optimized_model_is_written_at_session_creation_and_loads_again()
    {
        var dir = Fixtures.TempDirectory();
        var optimized = Path.Combine(dir, "optimized.onnx");
        using (var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.Extended })
        {
            options.SetOptimizedModelFilePath(optimized);
            Assert.False(File.Exists(optimized));
            using var session = new InferenceSession(Fixtures.Node("test_add"), options);
        }

        Assert.True(new FileInfo(optimized).Length > 0);
        using var reloaded = new InferenceSession(optimized);
        RunAdd(reloaded);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void The_optimized_model_can_keep_its_weights_in_an_external_data_file()
    {
        var dir = Fixtures.TempDirectory();
        var optimized = Path.Combine(dir, "rec.onnx");
        var input = InferenceSessionTests.Ramp(1 * 3 * 48 * 64, -1f, 1f / 4096);
        float[] expected;
        using (var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.Basic })
        {
            options.SetOptimizedModelFilePath(optimized, "rec.onnx.data", minExternalBytes: 1024);
            using var session = new InferenceSession(Fixtures.OcrRecognizer(), options);
            expected = RunOcr(session, input);
        }

        // The recognizer holds 2.69 M float32 weights (about 10 MiB); nearly all of them are tensors over 1 KiB.
        var data = new FileInfo(Path.Combine(dir, "rec.onnx.data"));
        Assert.True(data.Length > 8L << 20, $"external data holds only {data.Length} bytes");
        Assert.True(new FileInfo(optimized).Length < data.Length / 4);
        // The written graph, run as written, uses the same kernels as the session that wrote it: identical outputs.
        using var asWritten = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll };
        using var reloaded = new InferenceSession(optimized, asWritten);
        Assert.Equal(expected, RunOcr(reloaded, input));
        Directory.Delete(dir, recursive: true);
    }

    private static float[] RunOcr(InferenceSession session, float[] input)
    {
        using var x = OrtValue.CreateTensor<float>(input, [1, 3, 48, 64]);
        using var outputs = session.Run([new("x", x)]);
        return outputs[0].GetTensorData<float>().ToArray();
    }

    [Fact]
    public void Profiling_writes_a_json_trace_named_by_the_prefix()
    {
        var dir = Fixtures.TempDirectory();
        using var options = new SessionOptions();
        options.EnableProfiling(Path.Combine(dir, "trace"));
        using var session = new InferenceSession(Fixtures.Node("test_add"), options);
        RunAdd(session);

        var file = session.EndProfiling();

        Assert.StartsWith(Path.Combine(dir, "trace"), file, StringComparison.Ordinal);
        Assert.EndsWith(".json", file, StringComparison.Ordinal);
        var json = File.ReadAllText(file);
        using var trace = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, trace.RootElement.ValueKind);
        Assert.Contains("model_run", json, StringComparison.Ordinal);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void A_free_dimension_override_makes_the_dimension_concrete()
    {
        using var options = new SessionOptions();
        options.AddFreeDimensionOverride("p2o.DynamicDimension.0", 1);
        using var session = new InferenceSession(Fixtures.OcrRecognizer(), options);

        var x = Assert.Single(session.Inputs);
        Assert.Equal([1L, 3, 48, -1], x.Shape);
        using var wrongBatch = OrtValue.CreateTensor<float>(new float[2 * 3 * 48 * 32], [2, 3, 48, 32]);
        Assert.Throws<OrtException>(() => session.Run([new("x", wrongBatch)]));
    }

    [Fact]
    public void Known_config_entries_are_accepted()
    {
        using var options = new SessionOptions();
        options.AddConfigEntry("session.disable_prepacking", "1");
        options.AddConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
        using var session = new InferenceSession(Fixtures.Node("test_add"), options);
        RunAdd(session);
    }

    [Fact]
    public void A_config_key_ort_refuses_gives_a_clear_error()
    {
        using var options = new SessionOptions();
        var key = "session." + new string('k', 2000);

        var e = Assert.Throws<OrtException>(() => options.AddConfigEntry(key, "1"));

        Assert.Contains("Cannot set session config entry", e.Message, StringComparison.Ordinal);
        Assert.Contains("long", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_config_value_ort_refuses_fails_at_session_creation_with_its_reason()
    {
        using var options = new SessionOptions();
        options.IntraOpThreads = 2;
        options.AddConfigEntry("session.intra_op_thread_affinities", "garbage");

        var e = Assert.Throws<OrtException>(() => new InferenceSession(Fixtures.Node("test_add"), options));

        Assert.Contains("Cannot create an inference session for", e.Message, StringComparison.Ordinal);
        Assert.Contains("Processor id must consist of only digits: garbage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thread_and_execution_settings_are_kept_and_the_session_still_runs()
    {
        using var options = new SessionOptions { IntraOpThreads = 2, InterOpThreads = 2, ParallelExecution = true, OptimizationLevel = GraphOptimizationLevel.DisableAll };
        options.SetLogSeverity(3);
        using var session = new InferenceSession(Fixtures.Node("test_add"), options);

        RunAdd(session);
        Assert.Equal(2, options.IntraOpThreads);
        Assert.True(options.ParallelExecution);
        Assert.Equal(3, options.LogSeverity);
    }

    [Theory]
    [InlineData("CPU")]
    [InlineData("CPUExecutionProvider")]
    public void Appending_cpu_is_a_no_op(string name)
    {
        using var options = new SessionOptions();
        options.AppendExecutionProvider(name);

        Assert.Empty(options.ExecutionProviders);
        using var session = new InferenceSession(Fixtures.Node("test_add"), options);
        RunAdd(session);
    }

    [Theory]
    [InlineData("CUDAExecutionProvider")]
    [InlineData("TensorrtExecutionProvider")]
    [InlineData("XnnpackExecutionProvider")]
    [InlineData("NoSuchExecutionProvider")]
    [InlineData("WebGpuExecutionProvider")]
    public void An_unavailable_provider_fails_clearly_without_cpu_fallback(string name)
    {
        using var options = new SessionOptions();

        var e = Assert.Throws<OrtException>(() =>
        {
            options.AppendExecutionProvider(name);
            using var session = new InferenceSession(Fixtures.Node("test_add"), options);
        });

        Assert.Contains($"Execution provider '{name}' cannot be used", e.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", e.Message, StringComparison.Ordinal);
        Assert.Contains("no silent CPU fallback", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CUDAExecutionProvider", "CUDA execution provider is not enabled in this build")] // the CPU package
    [InlineData("TensorrtExecutionProvider", "TensorRT execution provider is not enabled in this build")]
    [InlineData("XnnpackExecutionProvider", "not supported in this build")]
    [InlineData("NoSuchExecutionProvider", "Unknown provider name")]
    [InlineData("WebGpuExecutionProvider", "not supported in this build")]
    public void The_provider_error_carries_ort_reason(string name, string reason)
    {
        using var options = new SessionOptions();

        var e = Assert.Throws<OrtException>(() => options.AppendExecutionProvider(name));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        // ORT needs the environment's logger while appending; a missing one would mask the real reason.
        Assert.DoesNotContain("DefaultLogger", e.Message, StringComparison.Ordinal);
        Assert.Empty(options.ExecutionProviders);
    }
}
