using System.Runtime.InteropServices;
using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Tests.Quantization.Float16;

/// <summary>
/// x [n] → Add(W0) → Max(W1) → Add(W2) → … → y, every Wk a float32 [n] initializer in one external data file written
/// chunk by chunk (so generating a large model never holds its weights), values seeded in [−1, 1). Max is on ONNX Runtime's
/// default fp16 block list, so W1 stays float32 and external: the conversion must carry it over untouched.
/// </summary>
internal static class ExternalWeightsModel
{
    public static string Write(string folder, int tensors, int elements)
    {
        Directory.CreateDirectory(folder);
        var g = new GraphProto { Name = "external_weights" };
        g.Input.Add(QuantTestKit.Value("x", [elements]));
        g.Output.Add(QuantTestKit.Value("y", [elements]));
        using (var data = new FileStream(Path.Combine(folder, "weights.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var chunk = new float[1 << 16];
            var previous = "x";
            for (var k = 0; k < tensors; k++)
            {
                var random = new Random(1000 + k);
                var offset = data.Position;
                for (var done = 0; done < elements; done += chunk.Length)
                {
                    var n = Math.Min(chunk.Length, elements - done);
                    for (var i = 0; i < n; i++)
                    {
                        chunk[i] = (float)((random.NextDouble() * 2) - 1);
                    }

                    data.Write(MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
                }

                var w = new TensorProto { Name = $"W{k}", DataType = (int)TensorProto.Types.DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
                w.Dims.Add(elements);
                w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
                w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (4L * elements).ToString(System.Globalization.CultureInfo.InvariantCulture) });
                g.Initializer.Add(w);
                var output = k == tensors - 1 ? "y" : $"h{k}";
                var node = new NodeProto { OpType = k == 1 ? "Max" : "Add", Name = $"op{k}" };
                node.Input.AddRange([previous, w.Name]);
                node.Output.Add(output);
                g.Node.Add(node);
                previous = output;
            }
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "olivenet-tests", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
