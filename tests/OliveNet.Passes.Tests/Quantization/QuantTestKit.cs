using System.Diagnostics;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Quantization;

/// <summary>Small pieces the quantization tests share: typed graph values and interleaved latency.</summary>
internal static class QuantTestKit
{
    /// <summary>A graph input/output declaration with static dims.</summary>
    public static ValueInfoProto Value(string name, long[] dims, OnnxDataType type = OnnxDataType.Float)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    /// <summary>
    /// p50 milliseconds of two models on the same single input, runs interleaved (first, second, first, …) after one
    /// warm-up each, one thread, ORT level All, so machine noise hits both alike. Reported by tests, not asserted.
    /// </summary>
    public static (double First, double Second) MedianLatency(string first, string second, string inputName, OrtValue input, int runs)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = 1, InterOpThreads = 1 };
        using var a = new InferenceSession(first, options);
        using var b = new InferenceSession(second, options);
        var inputs = new[] { KeyValuePair.Create(inputName, input) };
        var ta = new List<double>();
        var tb = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            foreach (var (session, times) in new[] { (a, ta), (b, tb) })
            {
                var watch = Stopwatch.StartNew();
                using (session.Run(inputs))
                {
                }

                if (i > 0)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }

        return (ta.Order().ElementAt(ta.Count / 2), tb.Order().ElementAt(tb.Count / 2));
    }
}
