using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Conformance.Tests;

/// <summary>
/// Runs one case: load the model through our IR, save it, reload it (graph and tensors must survive),
/// then run the reloaded file through our ONNX Runtime binding and compare every data set's outputs.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Tolerances of the ONNX backend test runner: |actual − expected| ≤ atol + rtol·|expected|.</summary>
    public const double RelativeTolerance = 1e-3;

    /// <inheritdoc cref="RelativeTolerance"/>
    public const double AbsoluteTolerance = 1e-7;

    /// <summary>Runs the case; throws with a message naming the first mismatch.</summary>
    public static void Run(ConformanceCase testCase, string workDir)
    {
        var original = OnnxModel.Load(testCase.ModelPath);
        var savedPath = Path.Combine(workDir, "model.onnx");
        original.Save(savedPath);
        var reloaded = OnnxModel.Load(savedPath);
        if (!reloaded.Proto.Equals(original.Proto))
        {
            throw new InvalidOperationException($"{testCase.Id}: the model changed in a load → save → load round trip");
        }

        var graph = reloaded.Proto.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();

        using var session = new InferenceSession(savedPath);
        foreach (var dataSet in testCase.DataSets)
        {
            RunDataSet(testCase, dataSet, session, inputs, graph.Output);
        }
    }

    private static void RunDataSet(
        ConformanceCase testCase, string dataSet, InferenceSession session, IReadOnlyList<ValueInfoProto> inputs, IReadOnlyList<ValueInfoProto> outputs)
    {
        var owned = new List<OrtValue>();
        try
        {
            var feed = new List<KeyValuePair<string, OrtValue>>();
            for (var i = 0; File.Exists(InputPath(dataSet, i)); i++)
            {
                var value = TestValue.Read(InputPath(dataSet, i), inputs[i].Type);
                var ort = OrtValues.Create(value, owned);
                if (ort is not null)
                {
                    feed.Add(KeyValuePair.Create(inputs[i].Name, ort));
                }
            }

            var expected = new List<TestValue>();
            for (var j = 0; File.Exists(OutputPath(dataSet, j)); j++)
            {
                expected.Add(TestValue.Read(OutputPath(dataSet, j), outputs[j].Type));
            }

            using var actual = session.Run(feed, outputs.Take(expected.Count).Select(o => o.Name).ToList());
            for (var j = 0; j < expected.Count; j++)
            {
                OutputComparer.AssertEqual(
                    expected[j], actual[j], $"{testCase.Id} {Path.GetFileName(dataSet)} output '{outputs[j].Name}'", Tolerances.AbsoluteFor(testCase.Id));
            }
        }
        finally
        {
            foreach (var value in owned)
            {
                value.Dispose();
            }
        }
    }

    private static string InputPath(string dataSet, int i) => Path.Combine(dataSet, $"input_{i}.pb");

    private static string OutputPath(string dataSet, int i) => Path.Combine(dataSet, $"output_{i}.pb");
}
