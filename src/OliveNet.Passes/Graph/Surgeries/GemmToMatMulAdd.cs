using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Olive's GemmToMatMulAdd: every Gemm with alpha = beta = 1 and no transA becomes MatMul(A, B′)
/// (+ Add(·, C) when C is given), keeping Y's name. With transB, a constant B is transposed once into a new
/// <c>{B}_transposed</c> initializer (the original stays for its other readers); any other B gets a Transpose node.
/// Olive rewrites the main graph only; OliveNet also rewrites If/Loop/Scan bodies, where the same rewrite is as exact.
/// </summary>
internal sealed class GemmToMatMulAdd : ISurgeon
{
    /// <inheritdoc/>
    public string Apply(OnnxModel model, SurgeryNames names)
    {
        var (rewritten, skipped) = (0, 0);
        foreach (var graph in model.AllGraphs().ToList())
        {
            (rewritten, skipped) = Rewrite(model, graph, names, rewritten, skipped);
        }

        return $"{rewritten} Gemm node(s) rewritten as MatMul (+ Add)" + (skipped > 0 ? $"; {skipped} left (alpha or beta ≠ 1, or transA)" : string.Empty);
    }

    private static (int Rewritten, int Skipped) Rewrite(OnnxModel model, GraphView graph, SurgeryNames names, int rewritten, int skipped)
    {
        var g = graph.Proto;
        for (var i = 0; i < g.Node.Count; i++)
        {
            var node = g.Node[i];
            if (node is not { OpType: "Gemm", Domain: "" } || node.Input.Count < 2)
            {
                continue;
            }

            var alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
            var beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
            if (alpha != 1f || beta != 1f || SurgeryGraph.IntAttribute(node, "transA", 0) != 0)
            {
                skipped++;
                continue;
            }

            var baseName = node.Name.Length > 0 ? node.Name : node.Output[0];
            var added = new List<NodeProto>();
            var b = node.Input[1];
            if (SurgeryGraph.IntAttribute(node, "transB", 0) != 0)
            {
                if (SurgeryGraph.Constant(graph, b) is { Dims.Count: 2 } weight && OnnxDataTypes.BitsPerElement((OnnxDataType)weight.DataType) >= 8)
                {
                    var transposed = Transpose(weight, names.Take($"{weight.Name}_transposed"), model.BaseDirectory);
                    g.Initializer.Add(transposed);
                    b = transposed.Name;
                }
                else
                {
                    var transpose = SurgeryGraph.Node("Transpose", names.Take($"{baseName}_Transpose"), [b], [names.Take($"{baseName}_transpose_B")], string.Empty, SurgeryGraph.Ints("perm", 1, 0));
                    added.Add(transpose);
                    b = transpose.Output[0];
                }
            }

            var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
            var matMul = SurgeryGraph.Node("MatMul", names.Take($"{baseName}_MatMul"), [node.Input[0], b], [hasBias ? names.Take($"{baseName}_matmul_out") : node.Output[0]]);
            added.Add(matMul);
            if (hasBias)
            {
                added.Add(SurgeryGraph.Node("Add", names.Take($"{baseName}_Add"), [matMul.Output[0], node.Input[2]], [node.Output[0]]));
            }

            g.Node.RemoveAt(i);
            foreach (var n in Enumerable.Reverse(added))
            {
                g.Node.Insert(i, n);
            }

            i += added.Count - 1;
            rewritten++;
        }

        graph.Invalidate();
        Peephole.DeadCode.RemoveUnusedInitializers(graph);
        return (rewritten, skipped);
    }

    private static TensorProto Transpose(TensorProto weight, string name, string? baseDirectory)
    {
        var size = OnnxDataTypes.BitsPerElement((OnnxDataType)weight.DataType) / 8;
        var (rows, cols) = (weight.Dims[0], weight.Dims[1]);
        var source = TensorData.ReadRawBytes(weight, baseDirectory);
        var target = new byte[source.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < cols; c++)
            {
                source.AsSpan((int)(((r * cols) + c) * size), size).CopyTo(target.AsSpan((int)(((c * rows) + r) * size), size));
            }
        }

        var t = new TensorProto { Name = name, DataType = weight.DataType, RawData = Google.Protobuf.ByteString.CopyFrom(target) };
        t.Dims.Add(cols);
        t.Dims.Add(rows);
        return t;
    }
}
