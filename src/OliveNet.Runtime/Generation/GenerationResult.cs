namespace OliveNet.Runtime.Generation;

/// <summary>Why generation ended.</summary>
public enum StopReason
{
    /// <summary>An end-of-sequence or stop token was produced (it is included in the tokens).</summary>
    StopToken,

    /// <summary>The new-token or total-length limit was reached.</summary>
    Length,
}

/// <summary>The generated ids and the timings of one generation.</summary>
/// <param name="PromptTokens">Number of prompt ids.</param>
/// <param name="Tokens">Generated ids (prompt excluded).</param>
/// <param name="Reason">Why it stopped.</param>
/// <param name="Prefill">Time of the prompt forward pass plus choosing the first token (time to first token).</param>
/// <param name="Decode">Time of all later steps.</param>
public sealed record GenerationResult(int PromptTokens, IReadOnlyList<int> Tokens, StopReason Reason, TimeSpan Prefill, TimeSpan Decode)
{
    /// <summary>Prompt tokens per second of the prefill.</summary>
    public double PrefillTokensPerSecond => PromptTokens / Math.Max(Prefill.TotalSeconds, 1e-9);

    /// <summary>Generated tokens after the first, per second of decode (0 when only one token was generated).</summary>
    public double DecodeTokensPerSecond => Tokens.Count <= 1 ? 0 : (Tokens.Count - 1) / Math.Max(Decode.TotalSeconds, 1e-9);
}
