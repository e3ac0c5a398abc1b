using OliveNet.Text.Templates;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// A decoder in the ONNX Runtime GenAI folder layout (<c>genai_config.json</c>, the ONNX decoder, and optional
/// <c>tokenizer.json</c> and chat template in <c>tokenizer_config.json</c>) opened as a plain ORT session, for what
/// GenAI does not give: the logits of every position (perplexity, and the checks that compare generation with
/// full-sequence forwards). Generation itself runs on <see cref="GenAILanguageModel"/>. Owns its session; dispose it.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private LanguageModel(string directory, GenAIConfig config, InferenceSession session, Tokenizer? tokenizer, ChatTemplate? template)
    {
        Directory = directory;
        Config = config;
        Session = session;
        Tokenizer = tokenizer;
        ChatTemplate = template;
        NeedsPositionIds = config.PositionIdsName is { } p && session.Inputs.Any(i => i.Name == p);
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    public GenAIConfig Config { get; }

    /// <summary>The decoder session (owned by this model).</summary>
    public InferenceSession Session { get; }

    /// <summary>The tokenizer, or null when the folder has no tokenizer.json.</summary>
    public Tokenizer? Tokenizer { get; }

    /// <summary>The chat template of tokenizer_config.json, or null.</summary>
    public ChatTemplate? ChatTemplate { get; }

    /// <summary>Whether the decoder takes position_ids (RoPE not fused into GroupQueryAttention).</summary>
    internal bool NeedsPositionIds { get; }

    /// <summary>Opens a model folder.</summary>
    /// <param name="directory">The folder with genai_config.json.</param>
    /// <param name="threads">Intra-op threads; 0 lets ORT choose.</param>
    /// <exception cref="GenerationException">The folder, config or ONNX file is missing or unusable; the message says which.</exception>
    public static LanguageModel Load(string directory, int threads = 0) => Open(directory, threads, null);

    /// <summary>
    /// Opens a model folder with its decoder graph given as bytes instead of read from the folder's ONNX file (e.g. the
    /// full-logits variant of a pruned export); external data is still read from <paramref name="directory"/>.
    /// </summary>
    /// <exception cref="GenerationException">The folder or config is missing or unusable, or ORT refuses the graph.</exception>
    public static LanguageModel Load(string directory, int threads, byte[] decoderGraph)
    {
        ArgumentNullException.ThrowIfNull(decoderGraph);
        return Open(directory, threads, decoderGraph);
    }

    private static LanguageModel Open(string directory, int threads, byte[]? decoderGraph)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new GenerationException($"Model folder not found: {directory}");
        }

        var config = GenAIConfig.Load(Path.Combine(directory, "genai_config.json"));
        var onnx = Path.Combine(directory, config.Filename);
        if (!File.Exists(onnx))
        {
            throw new GenerationException($"{onnx} not found: genai_config.json names '{config.Filename}' as model.decoder.filename.");
        }

        var (tokenizer, template) = LoadText(directory);

        using var options = new SessionOptions();
        if (threads > 0)
        {
            options.IntraOpThreads = threads;
        }

        InferenceSession session;
        try
        {
            if (decoderGraph is null)
            {
                session = new InferenceSession(onnx, options);
            }
            else
            {
                options.AddConfigEntry("session.model_external_initializers_file_folder_path", Path.GetFullPath(directory));
                session = new InferenceSession(decoderGraph, options);
            }
        }
        catch (OrtException e)
        {
            throw new GenerationException($"{onnx}: ONNX Runtime cannot load the decoder ({e.Message})", e);
        }

        var model = new LanguageModel(directory, config, session, tokenizer, template);
        model.CheckIo();
        return model;
    }

    /// <summary>The tokenizer (tokenizer.json) and chat template (tokenizer_config.json) beside a model, each null when absent:
    /// OliveNet's own, so every runtime encodes prompts as Hugging Face does (BOS as tokenizer.json's post-processor says).</summary>
    public static (Tokenizer? Tokenizer, ChatTemplate? Template) LoadText(string directory)
    {
        var tokenizerPath = Path.Combine(directory, "tokenizer.json");
        var tokenizer = File.Exists(tokenizerPath) ? Tokenizer.Load(tokenizerPath) : null;
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        ChatTemplate? template = null;
        if (File.Exists(configPath) && File.ReadAllText(configPath).Contains("\"chat_template\"", StringComparison.Ordinal))
        {
            template = ChatTemplate.FromTokenizerConfig(configPath);
        }

        return (tokenizer, template);
    }

    /// <summary>
    /// Logits of every position for <paramref name="ids"/> from one forward pass with an empty KV cache. Returns
    /// [ids.Count × vocab] row-major, widened to float32 for models with float16 outputs.
    /// </summary>
    /// <exception cref="OrtException">ONNX Runtime fails while running.</exception>
    public float[] ForwardAll(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var count = ids.Count;
        var tokens = new long[count];
        var positions = new long[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = ids[i];
            positions[i] = i;
        }

        var mask = new long[count];
        Array.Fill(mask, 1L);
        var owned = new List<OrtValue>
        {
            OrtValue.CreateTensor<long>(tokens, [1, count]),
            OrtValue.CreateTensor<long>(mask, [1, count]),
        };
        try
        {
            var inputs = new List<KeyValuePair<string, OrtValue>> { new(Config.InputIdsName, owned[0]), new(Config.AttentionMaskName, owned[1]) };
            if (NeedsPositionIds)
            {
                owned.Add(OrtValue.CreateTensor<long>(positions, [1, count]));
                inputs.Add(new(Config.PositionIdsName!, owned[^1]));
            }

            // An empty past (sequence length 0) for every layer: the prompt attends to itself only.
            var firstKey = Enumerable.Range(0, Config.NumHiddenLayers).First(layer => !IsRecurrentLayer(layer));
            var halfCache = Session.Inputs.First(i => i.Name == GenAIConfig.LayerName(Config.PastKeyNames, firstKey)).ElementType == TensorElementType.Float16;
            long[] emptyShape = [1, Config.NumKeyValueHeads, 0, Config.HeadSize];
            for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
            {
                if (IsRecurrentLayer(layer))
                {
                    continue;
                }

                foreach (var names in new[] { Config.PastKeyNames, Config.PastValueNames })
                {
                    owned.Add(halfCache ? OrtValue.CreateTensor<Half>(Array.Empty<Half>(), emptyShape) : OrtValue.CreateTensor<float>(Array.Empty<float>(), emptyShape));
                    inputs.Add(new(GenAIConfig.LayerName(names, layer), owned[^1]));
                }
            }

            // A hybrid model's linear-attention layers (GenAI's past_key_values.%d.conv_state / recurrent_state, named after
            // the past-key template) start from zero states of their fixed shapes.
            foreach (var state in Session.Inputs.Where(i => IsRecurrentStateName(i.Name)))
            {
                var shape = state.Shape.Select(d => d < 0 ? 1L : d).ToArray();
                var size = (int)shape.Aggregate(1L, (a, b) => a * b);
                owned.Add(state.ElementType == TensorElementType.Float16 ? OrtValue.CreateTensor<Half>(new Half[size], shape) : OrtValue.CreateTensor<float>(new float[size], shape));
                inputs.Add(new(state.Name, owned[^1]));
            }

            using var outputs = Session.Run(inputs, [Config.LogitsName]);
            var logits = outputs[0];
            if (logits.ElementType != TensorElementType.Float16)
            {
                return logits.GetTensorData<float>().ToArray();
            }

            var half = logits.GetTensorData<Half>();
            var floats = new float[half.Length];
            for (var i = 0; i < half.Length; i++)
            {
                floats[i] = (float)half[i];
            }

            return floats;
        }
        finally
        {
            owned.ForEach(value => value.Dispose());
        }
    }

    /// <summary>The name of a recurrent state input as GenAI derives it: the past-key template with its last part replaced.</summary>
    private string RecurrentStateName(int layer, string kind)
    {
        var template = Config.PastKeyNames;
        var dot = template.LastIndexOf('.');
        return GenAIConfig.LayerName(dot < 0 ? template + "." + kind : template[..(dot + 1)] + kind, layer);
    }

    /// <summary>Whether <paramref name="layer"/> carries a conv state instead of a KV cache (a hybrid model's linear-attention layer).</summary>
    private bool IsRecurrentLayer(int layer) => Session.Inputs.Any(i => i.Name == RecurrentStateName(layer, "conv_state"));

    private bool IsRecurrentStateName(string name) => Enumerable.Range(0, Config.NumHiddenLayers)
        .Any(layer => name == RecurrentStateName(layer, "conv_state") || name == RecurrentStateName(layer, "recurrent_state"));

    /// <summary>Disposes the session.</summary>
    public void Dispose() => Session.Dispose();

    private void CheckIo()
    {
        var inputs = Session.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var outputs = Session.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var expected = new List<(string Name, bool Input)> { (Config.InputIdsName, true), (Config.AttentionMaskName, true), (Config.LogitsName, false) };
        for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
        {
            if (IsRecurrentLayer(layer))
            {
                continue;
            }

            expected.Add((GenAIConfig.LayerName(Config.PastKeyNames, layer), true));
            expected.Add((GenAIConfig.LayerName(Config.PastValueNames, layer), true));
            expected.Add((GenAIConfig.LayerName(Config.PresentKeyNames, layer), false));
            expected.Add((GenAIConfig.LayerName(Config.PresentValueNames, layer), false));
        }

        foreach (var (name, input) in expected)
        {
            if (!(input ? inputs : outputs).Contains(name))
            {
                throw new GenerationException($"{Path.Combine(Directory, Config.Filename)}: has no {(input ? "input" : "output")} '{name}' that genai_config.json names; re-export the model or fix the config.");
            }
        }
    }
}
