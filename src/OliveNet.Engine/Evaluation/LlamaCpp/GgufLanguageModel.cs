using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using OliveNet.Engine.Data;

namespace OliveNet.Engine.Evaluation.LlamaCpp;

/// <summary>
/// A GGUF model run in-process by llama.cpp (LLamaSharp, CPU backend) for evaluation: logits of every position of a
/// window (perplexity) and timed greedy generation (latency). Disposing frees the weights.
/// </summary>
internal sealed class GgufLanguageModel : IDisposable
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
    /// <exception cref="DataException">llama.cpp cannot load the file.</exception>
    public static GgufLanguageModel Load(string path, int context, string metric)
    {
        _ = Quiet.Value;
        var parameters = new ModelParams(path)
        {
            GpuLayerCount = 0,
            Threads = Environment.ProcessorCount,
            BatchThreads = Environment.ProcessorCount,
        };
        try
        {
            var weights = LLamaWeights.LoadFromFile(parameters);
            var trained = weights.ContextSize;
            var size = (uint)(context > 0 ? context : trained);
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
