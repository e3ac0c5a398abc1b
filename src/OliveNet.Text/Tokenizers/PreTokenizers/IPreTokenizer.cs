namespace OliveNet.Text.Tokenizers.PreTokenizers;

/// <summary>One step of a pre-tokenizer sequence: splits each input piece into output pieces, in order.</summary>
internal interface IPreTokenizer
{
    void Split(List<Piece> input, List<Piece> output);
}
