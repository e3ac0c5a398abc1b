using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx;

/// <summary>One tensor slot of a model; <paramref name="Movable"/> when it is an initializer or a Constant's <c>value</c>.</summary>
internal readonly record struct TensorSlot(TensorProto Tensor, bool Movable);

/// <summary>Every <see cref="TensorProto"/> in a model, in a fixed walk order (graphs, nested graphs, functions, training info).</summary>
internal static class ModelTensors
{
    public static IEnumerable<TensorSlot> All(ModelProto model)
    {
        if (model.Graph is not null)
        {
            foreach (var s in InGraph(model.Graph))
            {
                yield return s;
            }
        }

        foreach (var f in model.Functions)
        {
            foreach (var n in f.Node)
            {
                foreach (var s in InNode(n))
                {
                    yield return s;
                }
            }
        }

        foreach (var ti in model.TrainingInfo)
        {
            foreach (var g in new[] { ti.Initialization, ti.Algorithm })
            {
                if (g is null)
                {
                    continue;
                }

                foreach (var s in InGraph(g))
                {
                    yield return s;
                }
            }
        }
    }

    internal static bool IsConstant(NodeProto n) =>
        n.OpType == "Constant" && (n.Domain.Length == 0 || n.Domain == "ai.onnx");

    private static IEnumerable<TensorSlot> InGraph(GraphProto g)
    {
        foreach (var t in g.Initializer)
        {
            yield return new TensorSlot(t, true);
        }

        foreach (var sp in g.SparseInitializer)
        {
            foreach (var s in InSparse(sp))
            {
                yield return s;
            }
        }

        foreach (var n in g.Node)
        {
            foreach (var s in InNode(n))
            {
                yield return s;
            }
        }
    }

    private static IEnumerable<TensorSlot> InNode(NodeProto n)
    {
        var constant = IsConstant(n);
        foreach (var a in n.Attribute)
        {
            if (a.T is not null)
            {
                yield return new TensorSlot(a.T, constant && a.Name == "value");
            }

            foreach (var t in a.Tensors)
            {
                yield return new TensorSlot(t, false);
            }

            if (a.SparseTensor is not null)
            {
                foreach (var s in InSparse(a.SparseTensor))
                {
                    yield return s;
                }
            }

            foreach (var sp in a.SparseTensors)
            {
                foreach (var s in InSparse(sp))
                {
                    yield return s;
                }
            }

            var graphs = a.G is null ? a.Graphs : a.Graphs.Prepend(a.G);
            foreach (var g in graphs)
            {
                foreach (var s in InGraph(g))
                {
                    yield return s;
                }
            }
        }
    }

    private static IEnumerable<TensorSlot> InSparse(SparseTensorProto sp)
    {
        if (sp.Values is not null)
        {
            yield return new TensorSlot(sp.Values, false);
        }

        if (sp.Indices is not null)
        {
            yield return new TensorSlot(sp.Indices, false);
        }
    }
}
