namespace OliveNet.Text.Tokenizers;

/// <summary>
/// A tokenizer file could not be loaded or used: missing file, malformed JSON, or a component (model, normalizer,
/// pre-tokenizer, post-processor, decoder) that is not supported yet. The message names the file and JSON path.
/// </summary>
public sealed class TokenizerException : Exception
{
    public TokenizerException()
    {
    }

    public TokenizerException(string message)
        : base(message)
    {
    }

    public TokenizerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
