using System.Diagnostics;

namespace OliveNet.Runtime.Generation;

/// <summary>Generation latency at one prompt/generation length, averaged over runs.</summary>
/// <param name="PromptTokens">Prompt length.</param>
/// <param name="GeneratedTokens">Tokens generated per run.</param>
/// <param name="Runs">Timed runs.</param>
/// <param name="TimeToFirstTokenMs">Mean prefill time including the choice of the first token.</param>
/// <param name="PrefillTokensPerSecond">Prompt tokens per second of prefill (mean over runs of the ratio of totals).</param>
/// <param name="DecodeTokensPerSecond">Generated tokens after the first per second of decode.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set after the runs (includes the loaded model).</param>
/// <param name="KvCacheBytes">Bytes of the preallocated KV cache at this length (shared-buffer layout).</param>
public sealed record GenerationLatencyResult(int PromptTokens, int GeneratedTokens, int Runs, double TimeToFirstTokenMs, double PrefillTokensPerSecond, double DecodeTokensPerSecond, long PeakWorkingSetBytes, long KvCacheBytes);

public static partial class Metrics
{
    /// <summary>
    /// Times greedy generation of <paramref name="generateTokens"/> tokens after a prompt of
    /// <paramref name="promptTokens"/> ids (deterministic ids drawn from the vocabulary, end-of-sequence ignored),
    /// after <paramref name="warmup"/> untimed runs.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths out of range for the model's context.</exception>
    public static GenerationLatencyResult GenerationLatency(GenAILanguageModel model, int promptTokens, int generateTokens, int runs = 3, int warmup = 1, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        if (promptTokens < 1 || generateTokens < 1 || runs < 1 || promptTokens + generateTokens > config.ContextLength)
        {
            throw new ArgumentException($"Need prompt >= 1, generate >= 1, runs >= 1 and prompt + generate <= context length {config.ContextLength}.");
        }

        var prompt = Enumerable.Range(0, promptTokens).Select(i => (int)((i * 2654435761L + 12345) % config.VocabSize)).ToList();
        var settings = (options ?? config.Search) with { MaxNewTokens = generateTokens, IgnoreEndOfSequence = true, DoSample = false, PastPresentShareBuffer = true };
        for (var i = 0; i < warmup; i++)
        {
            model.Generate(prompt, settings);
        }

        double ttft = 0, prefillSeconds = 0, decodeSeconds = 0;
        for (var i = 0; i < runs; i++)
        {
            var result = model.Generate(prompt, settings);
            ttft += result.Prefill.TotalMilliseconds;
            prefillSeconds += result.Prefill.TotalSeconds;
            decodeSeconds += result.Decode.TotalSeconds;
        }

        using var process = Process.GetCurrentProcess();
        var kvBytes = 2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadSize * (promptTokens + generateTokens) * sizeof(float);
        return new GenerationLatencyResult(
            promptTokens,
            generateTokens,
            runs,
            ttft / runs,
            promptTokens * runs / Math.Max(prefillSeconds, 1e-9),
            generateTokens <= 1 ? 0 : (generateTokens - 1) * runs / Math.Max(decodeSeconds, 1e-9),
            process.PeakWorkingSet64,
            kvBytes);
    }
}
