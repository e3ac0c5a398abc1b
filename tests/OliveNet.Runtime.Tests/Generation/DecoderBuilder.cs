using System.Globalization;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>
/// Writes a random-weight decoder in the ONNX Runtime GenAI layout (the graph the ModelBuilder emits for
/// Llama/Qwen on CPU): Gather embedding; per layer SimplifiedLayerNormalization, Q/K/V MatMul (or MatMulNBits),
/// com.microsoft GroupQueryAttention with fused rotary (cos/sin caches) fed seqlens_k and total_sequence_length
/// computed from attention_mask, output projection, SiLU-gated MLP; final norm and a MatMul LM head. Plus
/// genai_config.json. Weights are uniform with standard deviation 1/sqrt(fan-in) from a seeded SplitMix64 stream.
/// </summary>
internal sealed partial class DecoderBuilder(DecoderShape shape, ulong seed)
{
    private readonly GraphProto graph = new() { Name = "decoder" };
    private ulong state = seed;

    /// <summary>Writes model.onnx (+ model.onnx.data when large) and genai_config.json into <paramref name="directory"/>.</summary>
    public void Write(string directory, IReadOnlyList<int> eosTokenIds, int? bosTokenId = null)
    {
        Directory.CreateDirectory(directory);
        BuildGraph();
        var proto = new ModelProto { IrVersion = 10, Graph = graph, ProducerName = "olivenet-tests" };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 21 });
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        var model = OnnxModel.FromProto(proto, directory);
        var large = shape.Parameters * 4 > 256L << 20;
        model.Save(Path.Combine(directory, "model.onnx"), new OnnxSaveOptions
        {
            ExternalData = large ? ExternalDataMode.AllExternal : ExternalDataMode.AllInline,
            ExternalDataFileName = large ? "model.onnx.data" : null,
        });
        File.WriteAllText(Path.Combine(directory, "genai_config.json"), GenAIConfigJson(eosTokenIds, bosTokenId));
    }

    private string GenAIConfigJson(IReadOnlyList<int> eos, int? bos) => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "model": {
            "bos_token_id": {{bos ?? eos[0]}},
            "context_length": {{shape.MaxPositions}},
            "decoder": {
              "session_options": { "log_id": "onnxruntime-genai", "provider_options": [] },
              "filename": "model.onnx",
              "head_size": {{shape.HeadSize}},
              "hidden_size": {{shape.Hidden}},
              "inputs": { "input_ids": "input_ids", "attention_mask": "attention_mask",
                "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value" },
              "outputs": { "logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value" },
              "num_attention_heads": {{shape.Heads}},
              "num_hidden_layers": {{shape.Layers}},
              "num_key_value_heads": {{shape.KvHeads}}
            },
            "eos_token_id": {{(eos.Count == 1 ? eos[0].ToString(CultureInfo.InvariantCulture) : "[" + string.Join(", ", eos) + "]")}},
            "pad_token_id": {{eos[0]}},
            "type": "qwen3",
            "vocab_size": {{shape.Vocab}}
          },
          "search": {
            "diversity_penalty": 0.0, "do_sample": false, "early_stopping": true, "length_penalty": 1.0,
            "max_length": {{shape.MaxPositions}}, "min_length": 0, "no_repeat_ngram_size": 0, "num_beams": 1,
            "num_return_sequences": 1, "past_present_share_buffer": true, "repetition_penalty": 1.0,
            "temperature": 1.0, "top_k": 50, "top_p": 1.0
          }
        }
        """);

    private void BuildGraph()
    {
        var kvDims = new object[] { "batch_size", (long)shape.KvHeads, "past_sequence_length", (long)shape.HeadSize };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, "batch_size", "sequence_length"));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, "batch_size", "total_sequence_length"));
        graph.Output.Add(Value("logits", TensorProto.Types.DataType.Float, "batch_size", "sequence_length", (long)shape.Vocab));
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            foreach (var kind in new[] { "key", "value" })
            {
                graph.Input.Add(Value($"past_key_values.{layer}.{kind}", TensorProto.Types.DataType.Float, kvDims));
                graph.Output.Add(Value($"present.{layer}.{kind}", TensorProto.Types.DataType.Float, "batch_size", (long)shape.KvHeads, "total_sequence_length", (long)shape.HeadSize));
            }
        }

        // Mask preprocessing as the ModelBuilder does it: seqlens_k = sum(mask) - 1, total = mask.shape[1], both int32.
        Constant("/model/constants/INT64/[1]", [1L], [1]);
        Constant("/model/constants/INT64/1", [1L], []);
        Node("ReduceSum", ["attention_mask", "/model/constants/INT64/[1]"], ["/model/attn_mask_reformat/ReduceSum"], ("keepdims", 0L));
        Node("Sub", ["/model/attn_mask_reformat/ReduceSum", "/model/constants/INT64/1"], ["/model/attn_mask_reformat/Sub"]);
        Node("Cast", ["/model/attn_mask_reformat/Sub"], ["seqlens_k"], ("to", (long)TensorProto.Types.DataType.Int32));
        Node("Shape", ["attention_mask"], ["/model/attn_mask_reformat/Shape"]);
        Node("Gather", ["/model/attn_mask_reformat/Shape", "/model/constants/INT64/1"], ["/model/attn_mask_reformat/Gather"], ("axis", 0L));
        Node("Cast", ["/model/attn_mask_reformat/Gather"], ["total_seq_len"], ("to", (long)TensorProto.Types.DataType.Int32));
        RotaryCaches();

        Weight("model.embed_tokens.weight", shape.Vocab, shape.Hidden, fanIn: shape.Hidden);
        Node("Gather", ["model.embed_tokens.weight", "input_ids"], ["/model/embed_tokens/Gather"]);
        var hidden = "/model/embed_tokens/Gather";
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            hidden = Layer(layer, hidden);
        }

        var norm = Norm("model.norm.weight", hidden, "/model/norm");
        Node("Identity", [Projection("lm_head", norm, shape.Hidden, shape.Vocab, "/lm_head")], ["logits"]);
    }

    private string Layer(int layer, string input)
    {
        var p = $"/model/layers.{layer}";
        var w = $"model.layers.{layer}";
        var normed = Norm($"{w}.input_layernorm.weight", input, $"{p}/input_layernorm");
        var q = Projection($"{w}.attn.q_proj", normed, shape.Hidden, shape.Heads * shape.HeadSize, $"{p}/attn/q_proj");
        var k = Projection($"{w}.attn.k_proj", normed, shape.Hidden, shape.KvHeads * shape.HeadSize, $"{p}/attn/k_proj");
        var v = Projection($"{w}.attn.v_proj", normed, shape.Hidden, shape.KvHeads * shape.HeadSize, $"{p}/attn/v_proj");
        var gqa = Node("GroupQueryAttention", [q, k, v, $"past_key_values.{layer}.key", $"past_key_values.{layer}.value", "seqlens_k", "total_seq_len", "cos_cache", "sin_cache"],
            [$"{p}/attn/GroupQueryAttention/output_0", $"present.{layer}.key", $"present.{layer}.value"],
            ("num_heads", (long)shape.Heads), ("kv_num_heads", (long)shape.KvHeads), ("scale", 1f / MathF.Sqrt(shape.HeadSize)),
            ("local_window_size", -1L), ("softcap", 0f), ("do_rotary", 1L), ("rotary_interleaved", 0L));
        gqa.Domain = "com.microsoft";
        var attention = Projection($"{w}.attn.o_proj", gqa.Output[0], shape.Heads * shape.HeadSize, shape.Hidden, $"{p}/attn/o_proj");
        Node("Add", [input, attention], [$"{p}/attn/residual"]);
        var mlpIn = Norm($"{w}.post_attention_layernorm.weight", $"{p}/attn/residual", $"{p}/post_attention_layernorm");
        var gate = Projection($"{w}.mlp.gate_proj", mlpIn, shape.Hidden, shape.Intermediate, $"{p}/mlp/gate_proj");
        var up = Projection($"{w}.mlp.up_proj", mlpIn, shape.Hidden, shape.Intermediate, $"{p}/mlp/up_proj");
        Node("Sigmoid", [gate], [$"{p}/mlp/act_fn/Sigmoid"]);
        Node("Mul", [gate, $"{p}/mlp/act_fn/Sigmoid"], [$"{p}/mlp/act_fn/Mul"]);
        Node("Mul", [$"{p}/mlp/act_fn/Mul", up], [$"{p}/mlp/Mul"]);
        var down = Projection($"{w}.mlp.down_proj", $"{p}/mlp/Mul", shape.Intermediate, shape.Hidden, $"{p}/mlp/down_proj");
        Node("Add", [$"{p}/attn/residual", down], [$"{p}/residual"]);
        return $"{p}/residual";
    }

    private string Norm(string weight, string input, string prefix)
    {
        var ones = new float[shape.Hidden];
        Array.Fill(ones, 1f);
        graph.Initializer.Add(TensorData.Create<float>(weight, ones, [shape.Hidden]));
        Node("SimplifiedLayerNormalization", [input, weight], [$"{prefix}/SimplifiedLayerNormalization"], ("axis", -1L), ("epsilon", 1e-6f), ("stash_type", 1L));
        return $"{prefix}/SimplifiedLayerNormalization";
    }

    private void RotaryCaches()
    {
        var half = shape.HeadSize / 2;
        var cos = new float[shape.MaxPositions * half];
        var sin = new float[shape.MaxPositions * half];
        for (var position = 0; position < shape.MaxPositions; position++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = position / Math.Pow(shape.RopeTheta, 2.0 * i / shape.HeadSize);
                cos[(position * half) + i] = (float)Math.Cos(angle);
                sin[(position * half) + i] = (float)Math.Sin(angle);
            }
        }

        graph.Initializer.Add(TensorData.Create<float>("cos_cache", cos, [shape.MaxPositions, half]));
        graph.Initializer.Add(TensorData.Create<float>("sin_cache", sin, [shape.MaxPositions, half]));
    }
}
