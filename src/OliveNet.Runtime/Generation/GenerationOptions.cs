namespace OliveNet.Runtime.Generation;

/// <summary>How to generate: length limits, search (greedy or sampled), penalties and stop tokens. Immutable.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate after the prompt; null means up to <see cref="MaxLength"/>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Most tokens in the sequence (prompt + generated); null means the model's context length.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Sample (temperature / top-k / top-p) instead of taking the most likely token.</summary>
    public bool DoSample { get; init; }

    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens when sampling; 0 keeps all.</summary>
    public int TopK { get; init; } = 50;

    /// <summary>Keep the smallest set of tokens whose probability sums to at least p; 1 keeps all.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Divides positive logits (multiplies negative ones) of tokens already in the sequence; 1 is off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Seed of the sampler; the same seed, prompt and options give the same tokens.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Keep generating past end-of-sequence tokens (for fixed-length latency measurements).</summary>
    public bool IgnoreEndOfSequence { get; init; }

    /// <summary>Extra ids that end generation, besides the model's eos_token_id.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// KV cache layout: true = one buffer per layer, preallocated to the maximum length and shared by past and
    /// present (GroupQueryAttention); false = present = past + new, a new tensor per step.
    /// </summary>
    public bool PastPresentShareBuffer { get; init; } = true;
}
