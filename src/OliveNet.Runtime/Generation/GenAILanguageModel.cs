using System.Diagnostics;
using System.Globalization;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Runtime.Generation;

/// <summary>
/// A language model run by ONNX Runtime GenAI (the official <c>Microsoft.ML.OnnxRuntimeGenAI</c> package): what
/// <c>olivenet generate</c> and the <c>generation_latency</c> metric use, so speed is measured on the runtime users ship
/// with. The folder is the GenAI layout ModelBuilder writes (genai_config.json, the decoder, tokenizer files).
/// </summary>
/// <remarks>Not thread-safe: one generation at a time. Perplexity stays on plain ORT sessions (<see cref="LanguageModel"/>),
/// since GenAI does not hand out the logits of every prompt position.</remarks>
public sealed class GenAILanguageModel : IDisposable
{
    private readonly GenAI.Model model;

    private GenAILanguageModel(string directory, GenAI.Model model, GenAIConfig config)
    {
        Directory = directory;
        this.model = model;
        Config = config;
    }

    /// <summary>The ONNX Runtime GenAI release OliveNet is built with (the pinned package version; its managed assembly
    /// carries no version of its own).</summary>
    public static string Version =>
        typeof(GenAILanguageModel).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "OnnxRuntimeGenAIVersion")?.Value ?? "unknown";

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>genai_config.json as OliveNet reads it (context length, eos ids, search defaults).</summary>
    public GenAIConfig Config { get; }

    /// <summary>Loads the model in <paramref name="directory"/>.</summary>
    /// <param name="directory">Folder with genai_config.json and the files it names.</param>
    /// <param name="intraOpThreads">Intra-op threads of the decoder session; 0 keeps genai_config.json's setting (or ORT's choice).</param>
    /// <exception cref="GenerationException">The folder has no genai_config.json, or GenAI cannot load the model; the message says which file and why.</exception>
    public static GenAILanguageModel Load(string directory, int intraOpThreads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var configPath = Path.Combine(directory, "genai_config.json");
        if (!File.Exists(configPath))
        {
            throw new GenerationException($"{directory} has no genai_config.json; pass the folder a ModelBuilder pass wrote (it holds genai_config.json, the decoder .onnx and tokenizer.json).");
        }

        var config = GenAIConfig.Load(configPath);
        try
        {
            using var genaiConfig = new GenAI.Config(directory);
            if (intraOpThreads > 0)
            {
                var threads = intraOpThreads.ToString(CultureInfo.InvariantCulture);
                genaiConfig.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" + threads + "}}}}");
            }

            return new GenAILanguageModel(directory, new GenAI.Model(genaiConfig), config);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI cannot load {directory}: {e.Message}");
        }
    }

    /// <summary>
    /// Generates after <paramref name="prompt"/>; <paramref name="onToken"/> sees each id as soon as GenAI chooses it.
    /// Options default to genai_config.json's search section. Prefill is the time to the first token (GenAI's prompt
    /// forward plus its choice), decode the rest.
    /// </summary>
    /// <exception cref="GenerationException">The prompt is empty or does not fit the maximum length, or GenAI fails.</exception>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions? options = null, Action<int>? onToken = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= Config.Search;
        var maxLength = Config.MaxLengthFor(prompt.Count, options);

        try
        {
            using var parameters = new GenAI.GeneratorParams(model);
            parameters.SetSearchOption("max_length", maxLength);
            parameters.SetSearchOption("do_sample", options.DoSample);
            if (options.DoSample)
            {
                parameters.SetSearchOption("temperature", options.Temperature);
                parameters.SetSearchOption("top_k", options.TopK);
                parameters.SetSearchOption("top_p", options.TopP);
                parameters.SetSearchOption("random_seed", (double)(options.Seed % int.MaxValue));
            }

            parameters.SetSearchOption("repetition_penalty", options.RepetitionPenalty);
            using var generator = new GenAI.Generator(model, parameters);
            var stops = (options.IgnoreEndOfSequence ? options.StopTokenIds : Config.EosTokenIds.Concat(options.StopTokenIds)).ToHashSet();
            var ids = prompt.ToArray();
            var generated = new List<int>();
            var reason = StopReason.Length;
            var clock = Stopwatch.StartNew();
            var prefill = TimeSpan.Zero;
            generator.AppendTokens(ids);
            while (!cancellation.IsCancellationRequested)
            {
                if (!options.IgnoreEndOfSequence && generator.IsDone())
                {
                    break;
                }

                generator.GenerateNextToken();
                var next = generator.GetNextTokens()[0];
                if (generated.Count == 0)
                {
                    prefill = clock.Elapsed;
                }

                generated.Add(next);
                onToken?.Invoke(next);
                if (stops.Contains(next))
                {
                    reason = StopReason.StopToken;
                    break;
                }

                if (prompt.Count + generated.Count >= maxLength)
                {
                    break;
                }
            }

            return new GenerationResult(prompt.Count, generated, reason, prefill, clock.Elapsed - prefill);
        }
        catch (GenAI.OnnxRuntimeGenAIException e)
        {
            throw new GenerationException($"ONNX Runtime GenAI failed while generating with {Directory}: {e.Message}");
        }
    }

    public void Dispose() => model.Dispose();
}
