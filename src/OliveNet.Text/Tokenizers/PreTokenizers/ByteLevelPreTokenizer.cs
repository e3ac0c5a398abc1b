namespace OliveNet.Text.Tokenizers.PreTokenizers;

/// <summary>
/// The <c>ByteLevel</c> pre-tokenizer's splitting part: an optional leading space on each piece, then the GPT-2
/// regex when <c>use_regex</c> is set. The byte-to-character mapping itself happens in <see cref="Tokenizer"/>.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    private static readonly RegexSplit Gpt2 = new(RegexSplit.Compile(RegexSplit.Gpt2Pattern), SplitBehavior.Isolated);

    public void Split(List<Piece> input, List<Piece> output)
    {
        if (addPrefixSpace)
        {
            for (var i = 0; i < input.Count; i++)
            {
                var piece = input[i];
                if (piece.Length > 0 && piece.Span[0] != ' ')
                {
                    input[i] = new Piece(" " + piece.Span.ToString(), 0, piece.Length + 1);
                }
            }
        }

        if (useRegex)
        {
            Gpt2.Split(input, output);
        }
        else
        {
            output.AddRange(input);
        }
    }
}
