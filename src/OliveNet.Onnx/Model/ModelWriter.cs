using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>Serializes models, placing tensor data inline or in one external data file.</summary>
internal static class ModelWriter
{
    /// <summary>Protobuf messages cannot exceed 2 GiB; keep room for everything that is not tensor data.</summary>
    internal const long InlineBudget = int.MaxValue - (64L << 20);

    private const int CopyBufferSize = 1 << 20;

    public static byte[] ToBytes(OnnxModel model)
    {
        var clone = model.Proto.Clone();
        var original = ModelTensors.All(model.Proto).ToList();
        var slots = ModelTensors.All(clone).ToList();
        long total = 0;
        for (var i = 0; i < slots.Count; i++)
        {
            total += TensorData.IsExternal(original[i].Tensor)
                ? ExternalDataInfo.Resolve(original[i].Tensor, model.BaseDirectory).Length
                : slots[i].Tensor.CalculateSize();
            if (total > InlineBudget)
            {
                throw TooBig(model);
            }

            if (TensorData.IsExternal(original[i].Tensor))
            {
                MakeInline(slots[i].Tensor, TensorData.ReadRawBytes(original[i].Tensor, model.BaseDirectory));
            }
        }

        return clone.ToByteArray();
    }

    public static void Save(OnnxModel model, string path, OnnxSaveOptions options)
    {
        var fullPath = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(fullPath)!;
        var dataName = options.ExternalDataFileName ?? Path.GetFileName(fullPath) + ".data";
        if (dataName.Length == 0 || dataName.IndexOfAny(['/', '\\']) >= 0 || dataName is "." or "..")
        {
            throw new ArgumentException(
                $"External data file name '{dataName}' must be a plain file name; it is written next to the model.", nameof(options));
        }

        Directory.CreateDirectory(dir);
        var dataPath = Path.Combine(dir, dataName);
        var clone = model.Proto.Clone();
        var original = ModelTensors.All(model.Proto).ToList();
        var slots = ModelTensors.All(clone).ToList();
        var plan = SavePlan.Create(model, original, slots, options);

        // Read every tensor that comes inline before anything is replaced: the data file may be rewritten in place.
        foreach (var i in plan.ToInline)
        {
            MakeInline(slots[i].Tensor, TensorData.ReadRawBytes(original[i].Tensor, model.BaseDirectory));
        }

        var replacesSource = false;
        if (plan.ToExternal.Count > 0)
        {
            var tempData = TempPath(dir, dataName);
            try
            {
                WriteData(model, tempData, dataName, plan, original, slots);
                replacesSource = plan.SourceFiles.Contains(dataPath);
                File.Move(tempData, dataPath, overwrite: true);
            }
            finally
            {
                File.Delete(tempData);
            }
        }

        var tempModel = TempPath(dir, Path.GetFileName(fullPath));
        try
        {
            using (var stream = new FileStream(tempModel, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize))
            {
                clone.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempModel, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(tempModel);
        }

        if (replacesSource)
        {
            Rebase(model, original, slots, dataPath);
        }
    }

    private static void WriteData(
        OnnxModel model, string tempData, string dataName, SavePlan plan, List<TensorSlot> original, List<TensorSlot> slots)
    {
        var sources = new Dictionary<string, FileStream>(StringComparer.Ordinal);
        var buffer = new byte[CopyBufferSize];
        try
        {
            using var output = new FileStream(tempData, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize);
            foreach (var i in plan.ToExternal)
            {
                var target = slots[i].Tensor;
                var length = plan.Sizes[i];
                var offset = Align(output.Position, length);
                while (output.Position < offset)
                {
                    output.WriteByte(0);
                }

                if (plan.Sources.TryGetValue(i, out var source))
                {
                    source.Validate(original[i].Tensor.Name);
                    if (!sources.TryGetValue(source.FullPath, out var input))
                    {
                        input = new FileStream(source.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                        sources[source.FullPath] = input;
                    }

                    input.Position = source.Offset;
                    for (var left = length; left > 0;)
                    {
                        var n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                        if (n == 0)
                        {
                            throw new OnnxFormatException(
                                $"External data file '{source.FullPath}' ended while copying tensor '{target.Name}'; it was changed during the save.")
                            { Path = source.FullPath };
                        }

                        output.Write(buffer, 0, n);
                        left -= n;
                    }
                }
                else
                {
                    output.Write(TensorData.ReadRawBytes(original[i].Tensor, model.BaseDirectory));
                }

                MakeExternal(target, dataName, offset, length);
            }

            output.Flush(flushToDisk: true);
        }
        finally
        {
            foreach (var s in sources.Values)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Large tensors start on page boundaries so runtimes can memory-map them; small ones pack tightly.</summary>
    private static long Align(long position, long length)
    {
        long alignment = length >= (1 << 20) ? 4096 : 64;
        return (position + alignment - 1) / alignment * alignment;
    }

    private static void Rebase(OnnxModel model, List<TensorSlot> original, List<TensorSlot> slots, string dataPath)
    {
        var location = Path.GetRelativePath(model.BaseDirectory ?? Path.GetDirectoryName(dataPath)!, dataPath).Replace('\\', '/');
        for (var i = 0; i < original.Count; i++)
        {
            var o = original[i].Tensor;
            var s = slots[i].Tensor;
            if (!TensorData.IsExternal(o))
            {
                continue;
            }

            if (TensorData.IsExternal(s))
            {
                o.ExternalData.Clear();
                o.ExternalData.Add(s.ExternalData.Select(e => e.Key == "location" ? new StringStringEntryProto { Key = e.Key, Value = location } : e.Clone()));
            }
            else
            {
                MakeInline(o, s.RawData.ToByteArray());
            }
        }
    }

    internal static void MakeInline(TensorProto t, byte[] raw)
    {
        ClearData(t);
        t.ExternalData.Clear();
        t.ClearDataLocation();
        t.RawData = ByteString.CopyFrom(raw);
    }

    private static void MakeExternal(TensorProto t, string location, long offset, long length)
    {
        var kept = t.ExternalData.Where(e => e.Key is not ("location" or "offset" or "length")).ToList();
        ClearData(t);
        t.ExternalData.Clear();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        t.ExternalData.Add(kept);
        t.DataLocation = TensorProto.Types.DataLocation.External;
    }

    private static void ClearData(TensorProto t)
    {
        t.ClearRawData();
        t.FloatData.Clear();
        t.Int32Data.Clear();
        t.Int64Data.Clear();
        t.DoubleData.Clear();
        t.Uint64Data.Clear();
    }

    private static string TempPath(string dir, string name) =>
        Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    internal static OnnxFormatException TooBig(OnnxModel model) => new(
        $"Model {model.SourcePath ?? "(in memory)"} holds more than 2 GB of tensor data, which cannot be stored inline in one protobuf file. " +
        "Save it with ExternalDataMode.Preserve or AllExternal.")
    { Path = model.SourcePath };
}
