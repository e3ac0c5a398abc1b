using System.Text.Json.Nodes;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Runs an exported decoder through our ORT binding the way a generation loop does: input_ids, attention_mask and the
/// KV cache from the previous step (empty at first). Batch 1; float32 or float16 I/O (converted to float32 here).
/// </summary>
internal sealed class DecoderSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _layers;
    private readonly int _kvHeads;
    private readonly int _headSize;
    private readonly List<float[]> _cache = [];
    private readonly bool _half;
    private long _past;

    public DecoderSession(string folder)
    {
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!["decoder"]!;
        _layers = genai["num_hidden_layers"]!.GetValue<int>();
        _kvHeads = genai["num_key_value_heads"]!.GetValue<int>();
        _headSize = genai["head_size"]!.GetValue<int>();
        _session = new InferenceSession(Path.Combine(folder, "model.onnx"));
        _half = _session.Inputs.Single(i => i.Name == "past_key_values.0.key").ElementType == TensorElementType.Float16;
        Reset();
    }

    /// <summary>Forgets the cache.</summary>
    public void Reset()
    {
        _cache.Clear();
        for (var i = 0; i < 2 * _layers; i++)
        {
            _cache.Add([]);
        }

        _past = 0;
    }

    /// <summary>Feeds <paramref name="ids"/> after the cached tokens; returns their logits [ids.Length, vocab] flattened.</summary>
    public float[] Step(long[] ids)
    {
        var total = _past + ids.Length;
        var values = new List<OrtValue>();
        try
        {
            var inputs = new List<KeyValuePair<string, OrtValue>>();
            void Add(string name, OrtValue v)
            {
                values.Add(v);
                inputs.Add(KeyValuePair.Create(name, v));
            }

            Add("input_ids", OrtValue.CreateTensor<long>(ids, [1, ids.Length]));
            Add("attention_mask", OrtValue.CreateTensor<long>(Enumerable.Repeat(1L, (int)total).ToArray(), [1, total]));
            for (var i = 0; i < _layers; i++)
            {
                Add($"past_key_values.{i}.key", Tensor(_cache[2 * i], [1, _kvHeads, _past, _headSize]));
                Add($"past_key_values.{i}.value", Tensor(_cache[(2 * i) + 1], [1, _kvHeads, _past, _headSize]));
            }

            using var outputs = _session.Run(inputs);
            for (var i = 0; i < _layers; i++)
            {
                _cache[2 * i] = Floats(outputs[$"present.{i}.key"]);
                _cache[(2 * i) + 1] = Floats(outputs[$"present.{i}.value"]);
            }

            _past = total;
            return Floats(outputs["logits"]);
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose() => _session.Dispose();

    private OrtValue Tensor(float[] data, long[] shape) =>
        _half ? OrtValue.CreateTensor<Half>(data.Select(v => (Half)v).ToArray(), shape) : OrtValue.CreateTensor<float>(data, shape);

    private float[] Floats(OrtValue value) =>
        _half ? value.GetTensorData<Half>().ToArray().Select(v => (float)v).ToArray() : value.GetTensorData<float>().ToArray();
}
