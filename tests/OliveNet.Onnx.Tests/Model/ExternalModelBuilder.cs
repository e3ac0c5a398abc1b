using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx.Tests.Model;

/// <summary>Hand-builds small models whose initializers point at external data files.</summary>
internal static class ExternalModelBuilder
{
    public static ModelProto BuildModel(params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "g" };
        graph.Initializer.Add(initializers);
        var node = new NodeProto { OpType = "Sum", Name = "sum", Output = { "y" } };
        node.Input.Add(initializers.Select(t => t.Name));
        graph.Node.Add(node);
        graph.Output.Add(new ValueInfoProto { Name = "y" });
        var model = new ModelProto { IrVersion = 8, ProducerName = "test", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        return model;
    }

    /// <summary>Appends the tensor's raw bytes to <paramref name="file"/> and points the tensor at them.</summary>
    public static TensorProto Externalize(TensorProto t, string folder, string location)
    {
        var path = Path.Combine(folder, location);
        long offset = File.Exists(path) ? new FileInfo(path).Length : 0;
        var raw = t.RawData.ToByteArray();
        using (var s = new FileStream(path, FileMode.Append))
        {
            s.Write(raw);
        }

        return Point(t, location, offset, raw.Length);
    }

    public static TensorProto Point(TensorProto t, string location, long offset, long length)
    {
        t.ClearRawData();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        t.DataLocation = TensorProto.Types.DataLocation.External;
        return t;
    }

    public static void Write(ModelProto model, string path) => File.WriteAllBytes(path, model.ToByteArray());
}
