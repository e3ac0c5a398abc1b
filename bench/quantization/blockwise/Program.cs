using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Quantization.BlockWise;

// OnnxBlockWiseRtnQuantization on ≥ 1 GiB of FP32 MatMul weights, against a durable copy of the same files.
// Rounds alternate (copy, quantize, copy, quantize, …) so both see the same page cache and disk; medians are compared.
var matMuls = Option("--matmuls", 16);
var size = Option("--size", 4096);
var rounds = Option("--rounds", 3);
var root = Path.Combine(Path.GetTempPath(), "olivenet-blockwise-bench");
if (Directory.Exists(root))
{
    Directory.Delete(root, recursive: true);
}

var source = Path.Combine(root, "source");
var bytes = Generate(source, matMuls, size);
Console.WriteLine(Invariant($"model: {matMuls} MatMuls [{size}, {size}] FP32, {bytes / (double)(1L << 30):0.00} GiB in model.onnx.data; {Environment.ProcessorCount} cores"));

var pass = new OnnxBlockWiseRtnQuantizationPass();
var options = new OnnxBlockWiseRtnQuantizationOptions();
var copies = new List<double>();
var quantizes = new List<double>();
for (var round = 0; round < rounds; round++)
{
    copies.Add(Time(() => CopyAll(source, Fresh(Path.Combine(root, "copy")))));
    quantizes.Add(Time(() =>
    {
        var output = Fresh(Path.Combine(root, "quantized"));
        var context = new PassContext(new ModelArtifact(Path.Combine(source, "model.onnx"), "bench"), output, Target.Cpu, TextWriter.Null, default);
        pass.Run(context, options);
    }));
}

var outputBytes = Directory.GetFiles(Path.Combine(root, "quantized")).Sum(f => new FileInfo(f).Length);
var copy = Median(copies);
var quantize = Median(quantizes);
Console.WriteLine(Invariant($"durable copy   median {copy:0.000} s ({bytes / copy / (1 << 20):0} MiB/s)  rounds: {string.Join(", ", copies.Select(c => c.ToString("0.000", CultureInfo.InvariantCulture)))}"));
Console.WriteLine(Invariant($"RTN 4-bit b128 median {quantize:0.000} s ({bytes / quantize / (1 << 20):0} MiB/s of FP32 in)  rounds: {string.Join(", ", quantizes.Select(c => c.ToString("0.000", CultureInfo.InvariantCulture)))}"));
Console.WriteLine(Invariant($"output {outputBytes / (double)(1 << 20):0.0} MiB ({bytes / (double)outputBytes:0.00}× smaller)"));
Console.WriteLine(Invariant($"ratio (quantize / copy): {quantize / copy:0.00}"));
Directory.Delete(root, recursive: true);
return 0;

static long Generate(string folder, int count, int size)
{
    Directory.CreateDirectory(folder);
    var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "big" } };
    model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
    model.Graph.Input.Add(Value("x", [1, size]));
    var weight = new float[size * size];
    var tensorBytes = (long)weight.Length * sizeof(float);
    using (var data = new FileStream(Path.Combine(folder, "model.onnx.data"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
    {
        for (var i = 0; i < count; i++)
        {
            var random = new Random(i);
            for (var j = 0; j < weight.Length; j++)
            {
                weight[j] = (random.NextSingle() - 0.5f) * 0.05f;
            }

            data.Write(MemoryMarshal.AsBytes(weight.AsSpan()));
            var tensor = new TensorProto { Name = $"w{i}", DataType = (int)OnnxDataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
            tensor.Dims.Add([size, size]);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "model.onnx.data" });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = (i * tensorBytes).ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensorBytes.ToString(CultureInfo.InvariantCulture) });
            model.Graph.Initializer.Add(tensor);
            model.Graph.Node.Add(new NodeProto { OpType = "MatMul", Name = $"MatMul_{i}", Input = { "x", $"w{i}" }, Output = { $"y{i}" } });
            model.Graph.Output.Add(Value($"y{i}", [1, size]));
        }

        data.Flush(flushToDisk: true);
    }

    File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model.ToByteArray());
    return count * tensorBytes;
}

static ValueInfoProto Value(string name, long[] dims)
{
    var shape = new TensorShapeProto();
    shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
    return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
}

// A durable copy, as the pass's save is durable (temp file, flush to disk, rename).
static void CopyAll(string source, string target)
{
    foreach (var file in Directory.EnumerateFiles(source))
    {
        using var from = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var to = new FileStream(Path.Combine(target, Path.GetFileName(file)), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        from.CopyTo(to, 1 << 20);
        to.Flush(flushToDisk: true);
    }
}

static string Fresh(string folder)
{
    if (Directory.Exists(folder))
    {
        Directory.Delete(folder, recursive: true);
    }

    Directory.CreateDirectory(folder);
    return folder;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static double Time(Action action)
{
    var start = Stopwatch.GetTimestamp();
    action();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

int Option(string name, int fallback)
{
    var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
    return value is null ? fallback : int.Parse(value, CultureInfo.InvariantCulture);
}
