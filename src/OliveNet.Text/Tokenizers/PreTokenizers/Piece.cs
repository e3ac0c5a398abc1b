namespace OliveNet.Text.Tokenizers.PreTokenizers;

/// <summary>A slice of <see cref="Source"/> produced by pre-tokenization; slices avoid copying the text.</summary>
internal readonly record struct Piece(string Source, int Start, int Length)
{
    public ReadOnlySpan<char> Span => Source.AsSpan(Start, Length);
}
