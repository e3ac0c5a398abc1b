namespace OliveNet.Text.Tokenizers.PreTokenizers;

/// <summary>What the <c>Split</c> pre-tokenizer does with each match (Hugging Face <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    /// <summary>Matches and gaps are separate pieces.</summary>
    Isolated,

    /// <summary>Matches are dropped; gaps are pieces.</summary>
    Removed,

    /// <summary>A match joins the gap just before it.</summary>
    MergedWithPrevious,

    /// <summary>A match joins the gap just after it.</summary>
    MergedWithNext,
}
