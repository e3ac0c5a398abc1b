using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Cli.Tests;

/// <summary>Small hand-built models for the error paths: Y = X + W with W of 4096 floats.</summary>
internal static class TinyModels
{
    /// <summary>Writes <c>model.onnx</c> with W in external data file <paramref name="dataFile"/> at <paramref name="location"/>.</summary>
    public static string WriteWithExternalWeight(string folder, string location, bool writeData = true)
    {
        var weights = Enumerable.Range(0, 4096).Select(i => (float)i).ToArray();
        var tensor = TensorData.Create<float>("W", weights, [4096]);
        var raw = tensor.RawData.ToByteArray();
        tensor.ClearRawData();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = raw.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (writeData)
        {
            var dataPath = Path.GetFullPath(Path.Combine(folder, location));
            Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
            File.WriteAllBytes(dataPath, raw);
        }

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "olivenet-tests",
            Graph = new GraphProto { Name = "add" },
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        model.Graph.Node.Add(new NodeProto { OpType = "Add", Name = "add", Input = { "X", "W" }, Output = { "Y" } });
        model.Graph.Initializer.Add(tensor);
        model.Graph.Input.Add(Value("X"));
        model.Graph.Output.Add(Value("Y"));
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static ValueInfoProto Value(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 4096 });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxDataType.Float, Shape = shape } },
        };
    }
}
