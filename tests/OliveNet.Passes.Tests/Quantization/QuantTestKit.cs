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
        var p50 = MedianLatencies([first, second], inputName, input, runs);
        return (p50[0], p50[1]);
    }

    /// <summary>As <see cref="MedianLatency"/> for any number of models, interleaved in the order given.</summary>
    public static double[] MedianLatencies(IReadOnlyList<string> models, string inputName, OrtValue input, int runs)
    {
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All, IntraOpThreads = 1, InterOpThreads = 1 };
        var sessions = models.Select(m => new InferenceSession(m, options)).ToList();
        try
        {
            var inputs = new[] { KeyValuePair.Create(inputName, input) };
            var times = sessions.Select(_ => new List<double>()).ToList();
            for (var i = 0; i <= runs; i++)
            {
                for (var k = 0; k < sessions.Count; k++)
                {
                    var watch = Stopwatch.StartNew();
                    using (sessions[k].Run(inputs))
                    {
                    }

                    if (i > 0)
                    {
                        times[k].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            return [.. times.Select(t => t.Order().ElementAt(t.Count / 2))];
        }
        finally
        {
            sessions.ForEach(s => s.Dispose());
        }
    }
}
