using LLama;
using LLama.Common;
using LLama.Native;

namespace OliveNet.Passes.Tests.Gguf;

/// <summary>
/// A GGUF file loaded by llama.cpp through LLamaSharp (CPU backend), with tensor validation on, an F32 KV cache and
/// flash attention off so float files are compared without extra rounding. Logits of every position of one sequence.
/// </summary>
internal sealed class LlamaCppModel : IDisposable
{
    private static readonly Lazy<bool> Quiet = new(() =>
    {
        // llama.cpp logs every tensor at load; keep errors only.
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

    public LlamaCppModel(string path, uint context = 64, bool vocabOnly = false)
    {
        _ = Quiet.Value;
        _parameters = new ModelParams(path)
        {
            ContextSize = context,
            BatchSize = context,
            UBatchSize = context,
            GpuLayerCount = 0,
            VocabOnly = vocabOnly,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
            Threads = 2,
            BatchThreads = 2,
        };
        if (!vocabOnly)
        {
            // ModelParams does not expose check_tensors; a first native load with it on validates every tensor's data.
            var check = LLamaModelParams.Default();
            check.n_gpu_layers = 0;
            check.check_tensors = true;
            SafeLlamaModelHandle.LoadFromFile(path, check).Dispose();
        }

        _weights = LLamaWeights.LoadFromFile(_parameters);
    }

    public int Vocabulary => _weights.Vocab.Count;

    /// <summary>Logits [ids.Length, vocabulary] of one forward over <paramref name="ids"/> from position 0.</summary>
    public float[] Logits(IReadOnlyList<long> ids)
    {
        using var context = _weights.CreateContext(_parameters);
        var batch = new LLamaBatch();
        for (var i = 0; i < ids.Count; i++)
        {
            batch.Add((LLamaToken)(int)ids[i], i, LLamaSeqId.Zero, true);
        }

        var result = context.Decode(batch);
        Assert.Equal(DecodeResult.Ok, result);
        var vocab = Vocabulary;
        var logits = new float[ids.Count * vocab];
        for (var i = 0; i < ids.Count; i++)
        {
            context.NativeHandle.GetLogitsIth(i).CopyTo(logits.AsSpan(i * vocab, vocab));
        }

        return logits;
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/> for <paramref name="steps"/> tokens, one decode per token (KV cache).</summary>
    public List<long> Greedy(IReadOnlyList<long> prompt, int steps)
    {
        using var context = _weights.CreateContext(_parameters);
        var batch = new LLamaBatch();
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add((LLamaToken)(int)prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }

        Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        var produced = new List<long>();
        var position = prompt.Count;
        for (var s = 0; s < steps; s++)
        {
            var logits = context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            var next = ArgMax(logits);
            produced.Add(next);
            batch.Clear();
            batch.Add((LLamaToken)next, position++, LLamaSeqId.Zero, true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        }

        return produced;
    }

    /// <summary>llama.cpp's token ids for <paramref name="text"/> (no BOS, special tokens as text).</summary>
    public int[] Tokenize(string text) => _weights.Tokenize(text, false, false, System.Text.Encoding.UTF8).Select(t => (int)t).ToArray();

    public static int ArgMax(ReadOnlySpan<float> row)
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

    public void Dispose() => _weights.Dispose();
}
