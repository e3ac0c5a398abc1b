using System.Text.Json.Nodes;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// Runs an exported decoder through our ORT binding the way a generation loop does: input_ids, attention_mask and the
/// KV cache from the previous step (empty at first), and for a hybrid model's linear-attention layers their conv and
/// recurrent states (zeros at first). Batch 1; float32 or float16 I/O (converted to float32 here).
/// </summary>
internal sealed class DecoderSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _layers;
    private readonly int _kvHeads;
    private readonly int _headSize;
    private readonly List<float[]> _cache = [];
    private readonly bool _half;
    private readonly Dictionary<string, long[]> _stateShapes;
    private readonly Dictionary<string, float[]> _states = [];
    private long _past;

    public DecoderSession(string folder)
    {
        var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!["decoder"]!;
        _layers = genai["num_hidden_layers"]!.GetValue<int>();
        _kvHeads = genai["num_key_value_heads"]!.GetValue<int>();
        _headSize = genai["head_size"]!.GetValue<int>();
        _session = new InferenceSession(Path.Combine(folder, "model.onnx"));
        _half = _session.Inputs.First(i => i.Name.EndsWith(".key", StringComparison.Ordinal)).ElementType == TensorElementType.Float16;
        _stateShapes = _session.Inputs.Where(i => i.Name.EndsWith("_state", StringComparison.Ordinal))
            .ToDictionary(i => i.Name, i => i.Shape.Select(d => d < 0 ? 1L : d).ToArray());
        Reset();
    }

    /// <summary>Forgets the cache.</summary>
    public void Reset()
    {
        _cache.Clear();
        _states.Clear();
        foreach (var (name, shape) in _stateShapes)
        {
            _states[name] = new float[shape.Aggregate(1L, (a, b) => a * b)];
        }

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
                if (IsRecurrent(i))
                {
                    foreach (var kind in new[] { "conv_state", "recurrent_state" })
                    {
                        var name = $"past_key_values.{i}.{kind}";
                        Add(name, Tensor(_states[name], _stateShapes[name]));
                    }

                    continue;
                }

                Add($"past_key_values.{i}.key", Tensor(_cache[2 * i], [1, _kvHeads, _past, _headSize]));
                Add($"past_key_values.{i}.value", Tensor(_cache[(2 * i) + 1], [1, _kvHeads, _past, _headSize]));
            }

            using var outputs = _session.Run(inputs);
            for (var i = 0; i < _layers; i++)
            {
                if (IsRecurrent(i))
                {
                    _states[$"past_key_values.{i}.conv_state"] = Floats(outputs[$"present.{i}.conv_state"]);
                    _states[$"past_key_values.{i}.recurrent_state"] = Floats(outputs[$"present.{i}.recurrent_state"]);
                    continue;
                }

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

    private bool IsRecurrent(int layer) => _stateShapes.ContainsKey($"past_key_values.{layer}.conv_state");

    private OrtValue Tensor(float[] data, long[] shape) =>
        _half ? OrtValue.CreateTensor<Half>(data.Select(v => (Half)v).ToArray(), shape) : OrtValue.CreateTensor<float>(data, shape);

    private float[] Floats(OrtValue value) =>
        _half ? value.GetTensorData<Half>().ToArray().Select(v => (float)v).ToArray() : value.GetTensorData<float>().ToArray();
}
