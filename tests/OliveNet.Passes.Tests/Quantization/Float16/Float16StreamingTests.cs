using OliveNet.Onnx;
using OliveNet.Passes.Quantization.Float16;
using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Passes.Tests.Quantization.Float16;

/// <summary>Runs alone: the memory test samples the whole process's live managed heap.</summary>
[CollectionDefinition(nameof(Float16StreamingTests), DisableParallelization = true)]
public sealed class Float16StreamingCollection;

/// <summary>OnnxFloatToFloat16 streams narrowed tensors to a staging file instead of holding them until the save.</summary>
[Collection(nameof(Float16StreamingTests))]
public sealed class Float16StreamingTests(ITestOutputHelper output)
{
    private static readonly OnnxFloatToFloat16Options KeepIo = new() { KeepIoTypes = true };

    [Fact]
    public void The_streamed_output_is_byte_identical_to_the_in_memory_conversion_and_runs_in_ORT()
    {
        using var temp = new TempFolder();
        const int n = 65536;
        var model = ExternalWeightsModel.Write(temp.Sub("in"), tensors: 4, elements: n);
        var streamed = PassRunner.Run(new OnnxFloatToFloat16Pass(), model, KeepIo, temp.Sub("streamed"));
        var inMemory = InMemory(model, KeepIo, temp.Sub("memory"));

        PassRunner.AssertSameFiles(Path.GetDirectoryName(streamed)!, Path.GetDirectoryName(inMemory)!);
        Assert.Equal(["model.onnx", "model.onnx.data"], PassRunner.Files(Path.GetDirectoryName(streamed)!).Keys);
        var graph = OnnxModel.Load(streamed).MainGraph.Proto;
        Assert.Equal([10, 1, 10, 10], graph.Initializer.Select(t => t.DataType));

        // Each of the 4 ops and each weight rounds once to float16 (relative 2^-11); values stay within |y| ≤ 5, so the
        // output is off by at most 8 roundings of 5·2^-11 ≈ 0.0024 each: 0.02.
        var x = ModelRunner.SeededFloats(n, 3);
        using var value = OrtValue.CreateTensor<float>(x, [n]);
        var expected = ModelRunner.Run(model, ("x", value))["y"];
        var actual = ModelRunner.Run(streamed, ("x", value))["y"];
        Assert.True(ModelRunner.MaxAbsDiff(expected, actual) <= 0.02, $"max abs {ModelRunner.MaxAbsDiff(expected, actual)}");
    }

    [Fact]
    public void The_streamed_recognizer_is_byte_identical_to_the_in_memory_conversion()
    {
        using var temp = new TempFolder();
        var streamed = PassRunner.Run(new OnnxFloatToFloat16Pass(), TestModels.OcrRec, KeepIo, temp.Sub("streamed"));
        var inMemory = InMemory(TestModels.OcrRec, KeepIo, temp.Sub("memory"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(streamed)!, Path.GetDirectoryName(inMemory)!);
    }

    /// <summary>
    /// 30 float32 weights of 10 MB (300 MB, external) become 150 MB of float16. Holding them until the save, as the
    /// in-memory conversion does, grows the live managed heap by the whole 150 MB; streamed, the live heap holds one tensor
    /// (10 MB read + 5 MB narrowed) plus I/O buffers. A sampler forces full collections every few milliseconds so garbage
    /// does not count, only live bytes. Bound: a quarter of the output (37.5 MB). Measured: 16 MB streamed; the in-memory
    /// conversion run under the same sampler grows it by 158 MB.
    /// </summary>
    [Fact]
    public void Converting_300_MB_of_external_weights_keeps_the_live_heap_near_one_tensor()
    {
        using var temp = new TempFolder();
        const int tensors = 30;
        const int elements = 2_500_000;
        var model = ExternalWeightsModel.Write(temp.Sub("in"), tensors, elements);
        var outputBytes = 2L * elements * (tensors - 1);

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.IsSet)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                done.Wait(5);
            }
        });
        sampler.Start();
        string converted;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            converted = PassRunner.Run(new OnnxFloatToFloat16Pass(), model, KeepIo, temp.Sub("out"));
        }
        finally
        {
            done.Set();
            sampler.Join();
        }

        var growth = peak - baseline;
        var data = new FileInfo(Path.Combine(Path.GetDirectoryName(converted)!, "model.onnx.data")).Length;
        output.WriteLine($"{tensors} × {elements} float32 → {data / 1e6:F1} MB float16 data in {watch.Elapsed.TotalSeconds:F1} s; peak live managed heap growth {growth / 1e6:F1} MB");
        Assert.True(data >= outputBytes, $"data file {data} bytes < the {outputBytes} float16 bytes expected");
        Assert.True(growth < outputBytes / 4, $"live heap grew by {growth / 1e6:F1} MB, not well below the {outputBytes / 1e6:F0} MB output");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(converted)!, Float16Staging.FileName)), "The staging file was left behind.");
    }

    /// <summary>The conversion as it was before streaming: every narrowed tensor inline until one save.</summary>
    private static string InMemory(string input, OnnxFloatToFloat16Options options, string folder)
    {
        var model = OnnxModel.Load(input);
        new Float16Rewriter(model, options).Run(default);
        var path = Path.Combine(Directory.CreateDirectory(folder).FullName, "model.onnx");
        model.Save(path, new OnnxSaveOptions { ExternalData = ExternalDataMode.AllExternal, SizeThreshold = 1024 });
        return path;
    }
}
