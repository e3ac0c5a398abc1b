using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Constant tensors by name, from an initializer or a Constant node's <c>value</c>. A copy of the private
/// <c>DynamicQuantizer.FindConstant</c> (Quantization/Dynamic/DynamicQuantizer.cs), kept to the main graph.
/// </summary>
internal static class ConstantLookup
{
    /// <summary>The constant named <paramref name="name"/> in <paramref name="graph"/>, or null when it is computed or a graph input.</summary>
    public static TensorProto? Find(GraphView graph, string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        var init = graph.Proto.Initializer.FirstOrDefault(t => t.Name == name);
        if (init is not null)
        {
            // Old IR versions list every initializer as a graph input too; like ONNX Runtime's quantizer, it counts as constant.
            return init;
        }

        var producer = graph.Producer(name);
        return producer is { OpType: "Constant", Domain: "" or "ai.onnx" }
            ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T
            : null;
    }

    /// <summary>Drops <paramref name="name"/>'s initializer or Constant node when nothing reads it any more.</summary>
    public static void RemoveIfUnread(GraphView graph, string name)
    {
        graph.Invalidate();
        if (graph.Consumers(name).Count > 0 || graph.Proto.Output.Any(o => o.Name == name))
        {
            return;
        }

        var init = graph.Proto.Initializer.FirstOrDefault(t => t.Name == name);
        if (init is not null)
        {
            graph.Proto.Initializer.Remove(init);
            if (graph.Proto.Input.FirstOrDefault(i => i.Name == name) is { } input)
            {
                graph.Proto.Input.Remove(input);
            }
        }
        else if (graph.Producer(name) is { OpType: "Constant" } constant)
        {
            graph.Proto.Node.Remove(constant);
        }

        graph.Invalidate();
    }
}
