using System.Diagnostics;

namespace OliveNet.Runtime.Generation;

public sealed partial class LanguageModel
{
    /// <summary>
    /// Generates after <paramref name="prompt"/>: one prefill run over the prompt, then one run per token with the
    /// KV cache. <paramref name="onToken"/> sees each id as soon as it is chosen (stream it through a
    /// <see cref="Tokenizers.TokenStreamDecoder"/> for text). Options default to genai_config.json's search section.
    /// </summary>
    /// <exception cref="GenerationException">The prompt is empty or longer than the maximum length.</exception>
    /// <exception cref="OrtException">ONNX Runtime fails while running.</exception>
    public GenerationResult Generate(IReadOnlyList<int> prompt, GenerationOptions? options = null, Action<int>? onToken = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= Config.Search;
        var maxLength = Config.MaxLengthFor(prompt.Count, options);

        var stops = (options.IgnoreEndOfSequence ? options.StopTokenIds : Config.EosTokenIds.Concat(options.StopTokenIds)).ToHashSet();
        var sampler = new Sampler(Config.VocabSize, options);
        foreach (var id in prompt)
        {
            sampler.Observe(id);
        }

        using var step = new DecodeStep(this, options.PastPresentShareBuffer, maxLength);
        var generated = new List<int>();
        var clock = Stopwatch.StartNew();
        var next = sampler.Next(step.Prefill(prompt));
        var prefill = clock.Elapsed;
        var reason = StopReason.Length;
        while (true)
        {
            generated.Add(next);
            sampler.Observe(next);
            onToken?.Invoke(next);
            if (stops.Contains(next))
            {
                reason = StopReason.StopToken;
                break;
            }

            if (prompt.Count + generated.Count >= maxLength || cancellation.IsCancellationRequested)
            {
                break;
            }

            next = sampler.Next(step.Decode(next));
        }

        return new GenerationResult(prompt.Count, generated, reason, prefill, clock.Elapsed - prefill) { DecodeRun = step.DecodeRunTime };
    }

    /// <summary>
    /// Logits of every position for <paramref name="ids"/> from one forward pass with an empty cache (what
    /// perplexity and the KV-cache checks need). Returns [ids.Count × vocab] row-major.
    /// </summary>
    /// <exception cref="OrtException">ONNX Runtime fails while running.</exception>
    public float[] ForwardAll(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var step = new DecodeStep(this, shareBuffer: false, ids.Count);
        return step.PrefillAll(ids);
    }
}
