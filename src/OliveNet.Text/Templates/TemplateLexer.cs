using System.Globalization;
using System.Text;

namespace OliveNet.Text.Templates;

/// <summary>
/// Splits a template into text and tag tokens with the whitespace rules chat templates are rendered with:
/// one trailing newline dropped, <c>trim_blocks</c> and <c>lstrip_blocks</c> on, and <c>{%-</c>/<c>-%}</c>
/// (and the same on <c>{{ }}</c>) stripping all whitespace on that side. Comments vanish.
/// </summary>
internal sealed class TemplateLexer(string source, string name)
{
    private static readonly string[] Operators = ["**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "~", "+", "-", "*", "/", "%", "<", ">", "=", "!"];
    private readonly List<TemplateToken> tokens = [];
    private readonly string text = source.EndsWith('\n') ? source[..^1] : source;
    private int position;

    public List<TemplateToken> Tokenize()
    {
        var trimNextNewline = false;
        var stripNextWhitespace = false;
        while (position < text.Length)
        {
            var open = FindTagOpen(position);
            var end = open < 0 ? text.Length : open;
            var segment = text[position..end];
            var kind = open < 0 ? '\0' : text[open + 1];
            var stripBefore = open >= 0 && open + 2 < text.Length && text[open + 2] == '-';
            if (kind is '%' or '#' && !stripBefore)
            {
                segment = LeftStripBlock(segment, position == 0);
            }

            if (stripNextWhitespace)
            {
                segment = segment.TrimStart();
            }
            else if (trimNextNewline && segment.StartsWith('\n'))
            {
                segment = segment[1..];
            }

            if (stripBefore)
            {
                segment = segment.TrimEnd();
            }

            if (segment.Length > 0)
            {
                var (line, column) = LineColumn(position);
                tokens.Add(new TemplateToken(TokenKind.Text, segment, line, column));
            }

            if (open < 0)
            {
                break;
            }

            position = open + (stripBefore ? 3 : 2);
            (trimNextNewline, stripNextWhitespace) = kind switch
            {
                '#' => SkipComment(open),
                _ => LexTag(open, kind),
            };
        }

        var (lastLine, lastColumn) = LineColumn(text.Length);
        tokens.Add(new TemplateToken(TokenKind.End, string.Empty, lastLine, lastColumn));
        return tokens;
    }

    private int FindTagOpen(int from)
    {
        for (var i = text.IndexOf('{', from); i >= 0 && i + 1 < text.Length; i = text.IndexOf('{', i + 1))
        {
            if (text[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    // lstrip_blocks: spaces and tabs between the start of a line and a block or comment tag are removed.
    private static string LeftStripBlock(string segment, bool atSourceStart)
    {
        var lineStart = segment.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !atSourceStart)
        {
            return segment;
        }

        for (var i = lineStart; i < segment.Length; i++)
        {
            if (segment[i] is not (' ' or '\t'))
            {
                return segment;
            }
        }

        return segment[..lineStart];
    }

    private (bool TrimNewline, bool StripWhitespace) SkipComment(int open)
    {
        var close = text.IndexOf("#}", position, StringComparison.Ordinal);
        if (close < 0)
        {
            throw Error(open, "comment '{#' is never closed with '#}'");
        }

        var strip = close > 0 && text[close - 1] == '-';
        position = close + 2;
        return (true, strip);
    }

    private (bool TrimNewline, bool StripWhitespace) LexTag(int open, char kind)
    {
        var (line, column) = LineColumn(open);
        var closer = kind == '{' ? "}}" : "%}";
        tokens.Add(new TemplateToken(kind == '{' ? TokenKind.OutputOpen : TokenKind.StatementOpen, kind == '{' ? "{{" : "{%", line, column));
        var depth = 0;
        while (true)
        {
            SkipWhitespace();
            if (position >= text.Length)
            {
                throw Error(open, $"tag opened here is never closed with '{closer}'");
            }

            var strip = text[position] == '-' && string.CompareOrdinal(text, position + 1, closer, 0, 2) == 0;
            if (depth == 0 && (strip || string.CompareOrdinal(text, position, closer, 0, 2) == 0))
            {
                var (closeLine, closeColumn) = LineColumn(position);
                position += strip ? 3 : 2;
                tokens.Add(new TemplateToken(kind == '{' ? TokenKind.OutputClose : TokenKind.StatementClose, closer, closeLine, closeColumn));

                // trim_blocks applies after block tags; the preprocessing of the reference also drops a newline after '-}}'.
                return (kind == '%' || strip, strip);
            }

            var token = LexExpressionToken();
            depth += token.Kind == TokenKind.Operator ? token.Value switch { "(" or "[" or "{" => 1, ")" or "]" or "}" => -1, _ => 0 } : 0;
            tokens.Add(token);
        }
    }

    private TemplateToken LexExpressionToken()
    {
        var start = position;
        var (line, column) = LineColumn(start);
        var c = text[position];
        if (char.IsLetter(c) || c == '_')
        {
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            return new TemplateToken(TokenKind.Name, text[start..position], line, column);
        }

        if (char.IsAsciiDigit(c))
        {
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '_'))
            {
                position++;
            }

            var isFloat = position + 1 < text.Length && text[position] == '.' && char.IsAsciiDigit(text[position + 1]);
            if (isFloat)
            {
                position++;
                while (position < text.Length && char.IsAsciiDigit(text[position]))
                {
                    position++;
                }
            }

            return new TemplateToken(isFloat ? TokenKind.Float : TokenKind.Integer, text[start..position].Replace("_", string.Empty, StringComparison.Ordinal), line, column);
        }

        if (c is '\'' or '"')
        {
            return new TemplateToken(TokenKind.String, LexString(c), line, column);
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(text, position, op, 0, op.Length) == 0)
            {
                position += op.Length;
                return new TemplateToken(TokenKind.Operator, op, line, column);
            }
        }

        throw Error(start, $"unexpected character '{c}'");
    }

    private string LexString(char quote)
    {
        var start = position++;
        var value = new StringBuilder();
        while (position < text.Length && text[position] != quote)
        {
            var c = text[position++];
            if (c != '\\' || position >= text.Length)
            {
                value.Append(c);
                continue;
            }

            var escaped = text[position++];
            value.Append(escaped switch
            {
                'n' => "\n",
                't' => "\t",
                'r' => "\r",
                'b' => "\b",
                'f' => "\f",
                'v' => "\v",
                '0' => "\0",
                'u' when position + 4 <= text.Length => ((char)int.Parse(text.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString(),
                '\\' or '\'' or '"' => escaped.ToString(),
                _ => "\\" + escaped,
            });
            if (escaped == 'u' && position + 4 <= text.Length)
            {
                position += 4;
            }
        }

        if (position >= text.Length)
        {
            throw Error(start, "string literal is never closed");
        }

        position++;
        return value.ToString();
    }

    private void SkipWhitespace()
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    private (int Line, int Column) LineColumn(int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    private TemplateException Error(int offset, string problem)
    {
        var (line, column) = LineColumn(offset);
        return new TemplateException($"{name}:{line}:{column}: {problem}");
    }
}
