namespace OliveNet.Text.Tokenizers;

/// <summary>An entry of <c>added_tokens</c>: matched in raw text before normalization and pre-tokenization.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text the token stands for.</param>
/// <param name="Special">Special tokens are dropped by <see cref="Tokenizer.Decode"/> when asked to skip them.</param>
public sealed record AddedToken(int Id, string Content, bool Special)
{
    /// <summary>Whether the token swallows the whitespace just before it (<c>lstrip</c>).</summary>
    public bool LeftStrip { get; init; }

    /// <summary>Whether the token swallows the whitespace just after it (<c>rstrip</c>).</summary>
    public bool RightStrip { get; init; }
}
