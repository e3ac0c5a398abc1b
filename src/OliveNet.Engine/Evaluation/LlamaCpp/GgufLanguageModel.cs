using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Evaluation.LlamaCpp;

/// <summary>
/// A GGUF model run in-process by llama.cpp (LLamaSharp, CPU backend): logits of every position of a window
/// (perplexity), timed greedy generation (latency) and streamed generation (<c>olivenet generate</c>). Disposing frees
/// the weights.
/// </summary>
public sealed class GgufLanguageModel : IDisposable
{
    private static readonly Lazy<bool> Quiet = new(() =>
    {
        // llama.cpp logs every tensor it loads; keep its errors only.
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level == LLamaLogLevel.Error)
            {
                Console.Error.Write(message);
            }
        });
        return true;
    });

    private readonly LLamaWeights _weights;
    private readonly ModelParams _parameters;

    private GgufLanguageModel(LLamaWeights weights, ModelParams parameters, int contextLength)
    {
        _weights = weights;
        _parameters = parameters;
        ContextLength = contextLength;
    }

    /// <summary>The model's trained context length (GGUF <c>&lt;arch&gt;.context_length</c>).</summary>
    public int ContextLength { get; }

    /// <summary>Tokens in the vocabulary (logit row length).</summary>
    public int Vocabulary => _weights.Vocab.Count;

    /// <summary>Loads <paramref name="path"/> with contexts of <paramref name="context"/> tokens (0: the model's context length).</summary>
    /// <param name="path">The GGUF file.</param>
    /// <param name="context">Context length of each run; 0: the model's trained context length.</param>
    /// <param name="metric">What loads it, for the error message (a metric name or a command).</param>
    /// <param name="threads">Threads for decode and prefill; 0: one per core (llama.cpp's threads spin while they wait, so more than the cores only slows it).</param>
    /// <param name="trainedAtMost">Cap <paramref name="context"/> at the trained context length.</param>
    /// <exception cref="DataException">llama.cpp cannot load the file.</exception>
    public static GgufLanguageModel Load(string path, int context, string metric, int threads = 0, bool trainedAtMost = false)
    {
        _ = Quiet.Value;
        var count = threads > 0 ? threads : Environment.ProcessorCount;
        var parameters = new ModelParams(path)
        {
            GpuLayerCount = 0,
            Threads = count,
            BatchThreads = count,
        };
        try
        {
            var weights = LLamaWeights.LoadFromFile(parameters);
            var trained = weights.ContextSize;
            var size = (uint)(context > 0 && !(trainedAtMost && context > trained) ? context : trained);
            (parameters.ContextSize, parameters.BatchSize, parameters.UBatchSize) = (size, size, size);
            return new GgufLanguageModel(weights, parameters, trained);
        }
        catch (LoadWeightsFailedException e)
        {
            throw new DataException($"metric {metric}: llama.cpp cannot load {path} ({e.Message}); check it with olivenet inspect");
        }
    }

    /// <summary>Logits <c>[ids.Count, Vocabulary]</c> of one forward from position 0.</summary>
    public float[] ForwardAll(IReadOnlyList<int> ids)
    {
        using var context = _weights.CreateContext(_parameters);
        var batch = new LLamaBatch();
        for (var i = 0; i < ids.Count; i++)
        {
            batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, true);
        }

        Decode(context, batch);
        var vocab = Vocabulary;
        var logits = new float[ids.Count * vocab];
        for (var i = 0; i < ids.Count; i++)
        {
            context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan(i * vocab, vocab));
        }

        return logits;
    }

    /// <summary>Greedy generation of <paramref name="count"/> tokens (end of sequence ignored): prefill time including the first token's choice, and decode time of the rest.</summary>
    public (TimeSpan Prefill, TimeSpan Decode) Generate(IReadOnlyList<int> prompt, int count)
    {
        using var context = _weights.CreateContext(_parameters);
        var batch = new LLamaBatch();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }

        Decode(context, batch);
        var next = ArgMax(context.NativeHandle.GetLogitsIth(batch.TokenCount - 1));
        var prefill = clock.Elapsed;
        clock.Restart();
        for (var position = prompt.Count; position < prompt.Count + count - 1; position++)
        {
            batch.Clear();
            batch.Add((LLamaToken)next, position, LLamaSeqId.Zero, true);
            Decode(context, batch);
            next = ArgMax(context.NativeHandle.GetLogitsIth(0));
        }

        return (prefill, clock.Elapsed);
    }

    /// <summary>
    /// Generates up to <paramref name="maxTokens"/> tokens after <paramref name="prompt"/>, calling
    /// <paramref name="onToken"/> with each as it is chosen; stops early at an end-of-generation token (which is passed
    /// on too) or when the context is full. Greedy when <paramref name="sampling"/> is null.
    /// </summary>
    public GgufGeneration Generate(IReadOnlyList<int> prompt, int maxTokens, GgufSampling? sampling, Action<int> onToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(onToken);
        using var context = _weights.CreateContext(_parameters);
        var room = (int)context.ContextSize - prompt.Count;
        if (prompt.Count == 0 || room <= 0)
        {
            throw new DataException($"the prompt has {prompt.Count} tokens; it must have at least 1 and fewer than the context length {context.ContextSize}");
        }

        using var pipeline = sampling is null ? null : new LLama.Sampling.DefaultSamplingPipeline
        {
            Temperature = sampling.Temperature,
            TopK = sampling.TopK,
            TopP = sampling.TopP,
            RepeatPenalty = sampling.RepetitionPenalty,
            Seed = sampling.Seed,
        };
        var batch = new LLamaBatch();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }

        Decode(context, batch);
        var tokens = new List<int>();
        var prefill = TimeSpan.Zero;
        var reason = GgufStop.Length;
        for (var position = prompt.Count; tokens.Count < Math.Min(maxTokens, room); position++)
        {
            var next = pipeline is null ? ArgMax(context.NativeHandle.GetLogitsIth(batch.TokenCount - 1)) : (int)pipeline.Sample(context.NativeHandle, batch.TokenCount - 1);
            pipeline?.Accept((LLamaToken)next);
            if (tokens.Count == 0)
            {
                prefill = clock.Elapsed;
                clock.Restart();
            }

            tokens.Add(next);
            onToken(next);
            if (((LLamaToken)next).IsEndOfGeneration(_weights.Vocab))
            {
                reason = GgufStop.EndOfGeneration;
                break;
            }

            if (tokens.Count == Math.Min(maxTokens, room))
            {
                reason = tokens.Count == maxTokens ? GgufStop.MaxTokens : GgufStop.ContextFull;
                break;
            }

            batch.Clear();
            batch.Add((LLamaToken)next, position, LLamaSeqId.Zero, true);
            Decode(context, batch);
        }

        return new GgufGeneration(tokens, prompt.Count, prefill, clock.Elapsed, reason, (int)context.ContextSize);
    }

    public void Dispose() => _weights.Dispose();

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new DataException($"llama.cpp could not decode a batch of {batch.TokenCount} tokens ({result})");
        }
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>Sampling settings of <see cref="GgufLanguageModel.Generate(IReadOnlyList{int}, int, GgufSampling?, Action{int})"/> (llama.cpp's sampler chain).</summary>
public sealed record GgufSampling(float Temperature, int TopK, float TopP, float RepetitionPenalty, uint Seed);

/// <summary>Why a GGUF generation stopped.</summary>
public enum GgufStop
{
    /// <summary>The maximum number of tokens was generated.</summary>
    MaxTokens,

    /// <summary>An end-of-generation token was chosen.</summary>
    EndOfGeneration,

    /// <summary>The context filled before the maximum.</summary>
    ContextFull,

    /// <summary>Another length limit.</summary>
    Length,
}

/// <summary>A finished GGUF generation: the tokens, the prompt length, prefill (prompt forward and first choice) and decode times.</summary>
public sealed record GgufGeneration(IReadOnlyList<int> Tokens, int PromptTokens, TimeSpan Prefill, TimeSpan Decode, GgufStop Reason, int ContextLength)
{
    /// <summary>Prompt tokens per second of the prefill.</summary>
    public double PrefillTokensPerSecond => PromptTokens / Prefill.TotalSeconds;

    /// <summary>Generated tokens per second after the first.</summary>
    public double DecodeTokensPerSecond => Tokens.Count > 1 ? (Tokens.Count - 1) / Decode.TotalSeconds : 0;
}
