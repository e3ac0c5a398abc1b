using System.Text.Json.Nodes;
using OliveNet.Onnx;
using OliveNet.Passes.Export;
using OliveNet.Passes.Tests.Export;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Graph.Surgeries;

/// <summary>Real models the surgery tests run on: ModelBuilder exports of the tied Qwen3 fixture, and helpers to run them.</summary>
internal static class SurgeryModels
{
    /// <summary>Exports the Qwen3 fixture (tied embeddings) at <paramref name="precision"/> into <paramref name="folder"/> with a float embedding
    /// and its own head, the layout Olive's ModelBuilder writes by default and its surgeries start from; returns model.onnx.</summary>
    public static string Qwen3(string folder, string precision, bool symmetric = true)
    {
        ModelBuilderPass.Export(HfFixtures.Checkpoint("qwen3"), folder, new ExportSettings(precision, 32, symmetric, 0, false, false) { QuantizeGather = false }, TextWriter.Null, default);
        return Path.Combine(folder, "model.onnx");
    }

    /// <summary>The fixture's reference token ids.</summary>
    public static long[] Ids => HfFixtures.Reference("qwen3").Ids;

    /// <summary>Logits of the reference ids through the decoder folder holding <paramref name="model"/>.</summary>
    public static float[] Logits(string model)
    {
        using var session = new DecoderSession(Path.GetDirectoryName(model)!);
        return session.Step(Ids);
    }

    /// <summary>
    /// Logits of the reference ids in one forward pass (empty KV cache) with ONNX Runtime's graph optimizations off, so
    /// the ops in the file are what runs (ORT would otherwise fuse blocked DequantizeLinear + MatMul into MatMulNBits
    /// with int8 activations).
    /// </summary>
    public static float[] ExactLogits(string model)
    {
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(model)!, "genai_config.json")))!["model"]!["decoder"]!;
        var (layers, heads, size) = (genai["num_hidden_layers"]!.GetValue<int>(), genai["num_key_value_heads"]!.GetValue<int>(), genai["head_size"]!.GetValue<int>());
        var ids = Ids;
        using var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.DisableAll };
        using var session = new InferenceSession(model, options);
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensor<long>(ids, [1, ids.Length]),
            OrtValue.CreateTensor<long>(Enumerable.Repeat(1L, ids.Length).ToArray(), [1, ids.Length]),
        };
        var inputs = new List<KeyValuePair<string, OrtValue>> { KeyValuePair.Create("input_ids", values[0]), KeyValuePair.Create("attention_mask", values[1]) };
        for (var i = 0; i < layers; i++)
        {
            foreach (var kind in new[] { "key", "value" })
            {
                var empty = OrtValue.CreateTensor<float>(Array.Empty<float>(), [1, heads, 0, size]);
                values.Add(empty);
                inputs.Add(KeyValuePair.Create($"past_key_values.{i}.{kind}", empty));
            }
        }

        try
        {
            using var outputs = session.Run(inputs);
            return outputs["logits"].GetTensorData<float>().ToArray();
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    /// <summary>Nodes of <paramref name="op"/> in every graph.</summary>
    public static int Count(string path, string op) =>
        OnnxModel.Load(path).AllGraphs().Sum(g => g.Nodes.Count(n => n.OpType == op));

    /// <summary>Bytes of every file in the model's folder.</summary>
    public static long FolderBytes(string model) =>
        Directory.GetFiles(Path.GetDirectoryName(model)!).Sum(f => new FileInfo(f).Length);

    /// <summary>Largest |a − b| divided by the largest |a|.</summary>
    public static double RelativeMaxDiff(float[] expected, float[] actual) =>
        ModelRunner.MaxAbsDiff(expected, actual) / expected.Max(Math.Abs);
}
