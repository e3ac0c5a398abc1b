namespace OliveNet.Text.Tokenizers;

/// <summary>The model step of a tokenizer: turns one pre-tokenized piece into ids. Implementations are thread-safe.</summary>
internal interface IWordModel
{
    /// <summary>The model vocabulary, token string → id.</summary>
    Dictionary<string, int> Vocab { get; }

    /// <summary>Appends the ids of <paramref name="piece"/> to <paramref name="output"/>.</summary>
    void Encode(ReadOnlySpan<char> piece, List<int> output);
}
