namespace OliveNet.Text.Templates;

/// <summary>The kinds of lexical tokens of the Jinja subset.</summary>
internal enum TokenKind
{
    Text,
    OutputOpen,
    OutputClose,
    StatementOpen,
    StatementClose,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <summary>One token with the position (1-based line and column) where it starts in the template source.</summary>
internal readonly record struct TemplateToken(TokenKind Kind, string Value, int Line, int Column)
{
    public string Where => $"{Line}:{Column}";

    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string value) => Kind == TokenKind.Name && Value == value;

    public bool IsOperator(string value) => Kind == TokenKind.Operator && Value == value;
}
