using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Bench;

/// <summary>Load + save of a model with ≥ 1 GiB of external data, measured against a plain file copy of the same bytes.</summary>
internal static class SaveThroughput
{
    private const int TensorBytes = 64 << 20;
    private const int Rounds = 5;

    public static int Run(string[] args)
    {
        var gib = Option(args, "--gib", 1.0);
        var root = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault()
            ?? Path.Combine(Path.GetTempPath(), "olivenet-save-bench");
        Directory.CreateDirectory(root);
        var source = Path.Combine(root, "source");
        var tensors = (int)Math.Ceiling(gib * (1L << 30) / TensorBytes);
        var dataBytes = Generate(source, tensors);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: {tensors} tensors of {TensorBytes >> 20} MiB, {dataBytes / (double)(1L << 30):0.00} GiB external data in {source}"));

        var copies = new List<double>();
        var saves = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            // Copy and save alternate so both see the same page-cache and disk conditions.
            copies.Add(Time(() => CopyAll(source, Path.Combine(root, "copy"))));
            saves.Add(Time(() => LoadAndSave(source, Path.Combine(root, "saved"))));
        }

        Verify(source, Path.Combine(root, "saved"));
        var copy = Median(copies);
        var save = Median(saves);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"durable copy   median {copy:0.000} s  ({dataBytes / copy / (1 << 20):0} MiB/s)  rounds: {string.Join(", ", copies.Select(c => c.ToString("0.000", CultureInfo.InvariantCulture)))}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load + save    median {save:0.000} s  ({dataBytes / save / (1 << 20):0} MiB/s)  rounds: {string.Join(", ", saves.Select(c => c.ToString("0.000", CultureInfo.InvariantCulture)))}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (load+save / copy): {save / copy:0.00}"));
        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static long Generate(string folder, int tensors)
    {
        Directory.CreateDirectory(folder);
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "big" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        var buffer = new byte[TensorBytes];
        new Random(7).NextBytes(buffer);
        using (var data = File.Create(Path.Combine(folder, "model.onnx.data")))
        {
            for (var i = 0; i < tensors; i++)
            {
                buffer[0] = (byte)i;
                data.Write(buffer);
                var tensor = new TensorProto { Name = $"w{i}", DataType = (int)OnnxDataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
                tensor.Dims.Add(TensorBytes / 4);
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "model.onnx.data" });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = ((long)i * TensorBytes).ToString(CultureInfo.InvariantCulture) });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = TensorBytes.ToString(CultureInfo.InvariantCulture) });
                model.Graph.Initializer.Add(tensor);
                model.Graph.Node.Add(new NodeProto { OpType = "Identity", Input = { $"w{i}" }, Output = { $"y{i}" } });
                model.Graph.Output.Add(new ValueInfoProto { Name = $"y{i}" });
            }
        }

        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), model.ToByteArray());
        return (long)tensors * TensorBytes;
    }

    private static void LoadAndSave(string source, string target)
    {
        Directory.CreateDirectory(target);
        var model = OnnxModel.Load(Path.Combine(source, "model.onnx"));
        model.Save(Path.Combine(target, "model.onnx"));
    }

    /// <summary>A durable copy, as our save is durable: the bytes are flushed to disk before the copy counts as done.</summary>
    private static void CopyAll(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            using var from = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var to = new FileStream(Path.Combine(target, Path.GetFileName(file)), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            from.CopyTo(to, 1 << 20);
            to.Flush(flushToDisk: true);
        }
    }

    private static void Verify(string source, string saved)
    {
        var a = OnnxModel.Load(Path.Combine(source, "model.onnx"));
        var b = OnnxModel.Load(Path.Combine(saved, "model.onnx"));
        var last = a.Proto.Graph.Initializer.Count - 1;
        foreach (var i in new[] { 0, last })
        {
            var x = TensorData.ReadRawBytes(a.Proto.Graph.Initializer[i], a.BaseDirectory);
            var y = TensorData.ReadRawBytes(b.Proto.Graph.Initializer[i], b.BaseDirectory);
            if (!x.AsSpan().SequenceEqual(y))
            {
                throw new InvalidOperationException($"tensor {i} differs after load + save");
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double Time(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return value is null ? fallback : double.Parse(value, CultureInfo.InvariantCulture);
    }
}
