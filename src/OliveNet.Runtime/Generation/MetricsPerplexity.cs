namespace OliveNet.Runtime.Generation;

/// <summary>The result of <see cref="Metrics.Perplexity(LanguageModel, IReadOnlyList{int}, int, int)"/>.</summary>
/// <param name="Perplexity">exp(mean negative log-likelihood) over the scored tokens.</param>
/// <param name="NegativeLogLikelihood">Mean negative log-likelihood (natural log) per scored token.</param>
/// <param name="ScoredTokens">Tokens that were predicted (every token but the first).</param>
/// <param name="Windows">Forward passes made.</param>
public sealed record PerplexityResult(double Perplexity, double NegativeLogLikelihood, int ScoredTokens, int Windows);

/// <summary>Language-model metrics: perplexity over full-sequence ORT forwards, generation latency through ONNX Runtime GenAI.</summary>
public static partial class Metrics
{
    /// <summary>
    /// Perplexity of <paramref name="ids"/> with a sliding window: windows of <paramref name="window"/> tokens start
    /// every <paramref name="stride"/> tokens, and each token is scored once, by the first window that covers it
    /// with context (the Hugging Face strided-perplexity recipe). stride = window gives disjoint chunks.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 ids, or window/stride out of range.</exception>
    public static PerplexityResult Perplexity(LanguageModel model, IReadOnlyList<int> ids, int window, int stride)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count < 2 || window < 2 || stride < 1 || stride > window || window > model.Config.ContextLength)
        {
            throw new ArgumentException($"Perplexity needs at least 2 tokens (got {ids.Count}), 2 <= window <= context length {model.Config.ContextLength} (got {window}) and 1 <= stride <= window (got {stride}).");
        }

        var vocab = model.Config.VocabSize;
        var total = 0.0;
        var scored = 0;
        var windows = 0;
        var scoredUpTo = 1;
        for (var begin = 0; scoredUpTo < ids.Count; begin += stride)
        {
            var end = Math.Min(begin + window, ids.Count);
            var logits = model.ForwardAll(ids.Skip(begin).Take(end - begin).ToList());
            windows++;
            for (var target = Math.Max(scoredUpTo, begin + 1); target < end; target++)
            {
                total -= LogSoftmaxAt(logits.AsSpan((target - 1 - begin) * vocab, vocab), ids[target]);
                scored++;
            }

            scoredUpTo = Math.Max(scoredUpTo, end);
        }

        var mean = total / scored;
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows);
    }

    /// <summary>Perplexity of a text, tokenized with the model's tokenizer (no special tokens added).</summary>
    /// <exception cref="InvalidOperationException">The model folder has no tokenizer.</exception>
    public static PerplexityResult Perplexity(LanguageModel model, string text, int window, int stride)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tokenizer = model.Tokenizer ?? throw new InvalidOperationException($"{model.Directory} has no tokenizer.json to tokenize the text with.");
        return Perplexity(model, tokenizer.Encode(text), window, stride);
    }

    /// <summary>log softmax(logits)[target], computed in double with the max subtracted.</summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> logits, int target)
    {
        var max = double.NegativeInfinity;
        foreach (var value in logits)
        {
            max = Math.Max(max, value);
        }

        var sum = 0.0;
        foreach (var value in logits)
        {
            sum += Math.Exp(value - max);
        }

        return logits[target] - max - Math.Log(sum);
    }
}
