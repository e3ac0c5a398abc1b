namespace OliveNet.Text.Templates;

/// <summary>
/// Parses the Jinja subset chat templates use: text, <c>{{ expr }}</c>, if/elif/else, for (with else, a filter
/// condition, tuple targets, break/continue), set (incl. attribute targets and set blocks), macro. Anything
/// else is a <see cref="TemplateException"/> naming the tag and its line:column.
/// </summary>
internal sealed partial class TemplateParser(List<TemplateToken> tokens, string name)
{
    private int index;

    private TemplateToken Current => tokens[index];

    public List<Statement> ParseTemplate()
    {
        var body = ParseBlock(out var terminator);
        if (terminator is not null)
        {
            throw Error(Current, $"'{terminator.Value.Value}' has no matching opening tag");
        }

        return body;
    }

    // Parses statements until an unknown block keyword (returned, positioned after the keyword) or the end.
    private List<Statement> ParseBlock(out TemplateToken? terminator, params string[] terminators)
    {
        var body = new List<Statement>();
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.End:
                    if (terminators.Length > 0)
                    {
                        throw Error(token, $"missing {string.Join(" or ", terminators.Select(t => $"'{{% {t} %}}'"))} before the end of the template");
                    }

                    terminator = null;
                    return body;
                case TokenKind.Text:
                    body.Add(new TextStatement(token.Value, token.Where));
                    break;
                case TokenKind.OutputOpen:
                    body.Add(new OutputStatement(ParseExpression(), token.Where));
                    Expect(TokenKind.OutputClose, "}}");
                    break;
                case TokenKind.StatementOpen:
                    var keyword = Next();
                    if (keyword.Kind != TokenKind.Name)
                    {
                        throw Error(keyword, $"expected a tag name after '{{%', got '{keyword.Value}'");
                    }

                    if (terminators.Contains(keyword.Value) || IsEndOrContinuation(keyword.Value))
                    {
                        terminator = keyword;
                        return body;
                    }

                    if (ParseStatement(keyword) is { } statement)
                    {
                        body.Add(statement);
                    }

                    break;
                default:
                    throw Error(token, $"unexpected '{token.Value}'");
            }
        }
    }

    private static bool IsEndOrContinuation(string keyword) => keyword.StartsWith("end", StringComparison.Ordinal) || keyword is "elif" or "else";

    private Statement? ParseStatement(TemplateToken keyword)
    {
        switch (keyword.Value)
        {
            case "if":
                return ParseIf(keyword);
            case "for":
                return ParseFor(keyword);
            case "set":
                return ParseSet(keyword);
            case "macro":
                return ParseMacro(keyword);
            case "break" or "continue":
                Expect(TokenKind.StatementClose, "%}");
                return new LoopControlStatement(keyword.Value == "break", keyword.Where);
            case "generation":
                // transformers' assistant-mask marker: renders its body unchanged.
                Expect(TokenKind.StatementClose, "%}");
                var body = ParseBlock(out _, "endgeneration");
                Expect(TokenKind.StatementClose, "%}");
                return new IfStatement(new LiteralExpression(true, keyword.Where), body, [], keyword.Where);
            default:
                throw Error(keyword, $"tag '{{% {keyword.Value} %}}' is not supported (supported: if, elif, else, for, set, macro, break, continue)");
        }
    }

    private IfStatement ParseIf(TemplateToken keyword)
    {
        var condition = ParseExpression();
        Expect(TokenKind.StatementClose, "%}");
        var body = ParseBlock(out var terminator, "elif", "else", "endif");
        List<Statement> otherwise = [];
        switch (terminator!.Value.Value)
        {
            case "elif":
                otherwise = [ParseIf(terminator.Value)];
                break;
            case "else":
                Expect(TokenKind.StatementClose, "%}");
                otherwise = ParseBlock(out _, "endif");
                Expect(TokenKind.StatementClose, "%}");
                break;
            case "endif":
                Expect(TokenKind.StatementClose, "%}");
                break;
            default:
                throw Error(terminator.Value, $"'{terminator.Value.Value}' cannot close the 'if' opened at {keyword.Where}");
        }

        return new IfStatement(condition, body, otherwise, keyword.Where);
    }

    private ForStatement ParseFor(TemplateToken keyword)
    {
        var targets = new List<string> { ExpectName() };
        while (Current.IsOperator(","))
        {
            index++;
            targets.Add(ExpectName());
        }

        if (!Next().IsName("in"))
        {
            throw Error(tokens[index - 1], "expected 'in' in the for tag");
        }

        var iterable = ParseTernaryFree();
        Expression? filter = null;
        if (Current.IsName("if"))
        {
            index++;
            filter = ParseExpression();
        }

        Expect(TokenKind.StatementClose, "%}");
        var body = ParseBlock(out var terminator, "else", "endfor");
        List<Statement> otherwise = [];
        if (terminator!.Value.IsName("else"))
        {
            Expect(TokenKind.StatementClose, "%}");
            otherwise = ParseBlock(out terminator, "endfor");
        }

        if (!terminator!.Value.IsName("endfor"))
        {
            throw Error(terminator.Value, $"'{terminator.Value.Value}' cannot close the 'for' opened at {keyword.Where}");
        }

        Expect(TokenKind.StatementClose, "%}");
        return new ForStatement(targets, iterable, filter, body, otherwise, keyword.Where);
    }

    private SetStatement ParseSet(TemplateToken keyword)
    {
        var target = ParsePostfix(ParsePrimary());
        if (Current.IsOperator(","))
        {
            var names = new List<Expression> { target };
            while (Current.IsOperator(","))
            {
                index++;
                names.Add(ParsePrimary());
            }

            target = new ListExpression(names, true, target.Where);
        }

        if (Current.Kind == TokenKind.StatementClose)
        {
            index++;
            var body = ParseBlock(out _, "endset");
            Expect(TokenKind.StatementClose, "%}");
            return new SetStatement(target, null, body, keyword.Where);
        }

        if (!Next().IsOperator("="))
        {
            throw Error(tokens[index - 1], "expected '=' in the set tag");
        }

        var value = ParseExpression();
        if (Current.IsOperator(","))
        {
            var items = new List<Expression> { value };
            while (Current.IsOperator(","))
            {
                index++;
                items.Add(ParseExpression());
            }

            value = new ListExpression(items, true, value.Where);
        }

        Expect(TokenKind.StatementClose, "%}");
        return new SetStatement(target, value, null, keyword.Where);
    }

    private MacroStatement ParseMacro(TemplateToken keyword)
    {
        var macroName = ExpectName();
        Expect(TokenKind.Operator, "(");
        var parameters = new List<(string, Expression?)>();
        while (!Current.IsOperator(")"))
        {
            var parameter = ExpectName();
            Expression? fallback = null;
            if (Current.IsOperator("="))
            {
                index++;
                fallback = ParseExpression();
            }

            parameters.Add((parameter, fallback));
            if (!Current.IsOperator(","))
            {
                break;
            }

            index++;
        }

        Expect(TokenKind.Operator, ")");
        Expect(TokenKind.StatementClose, "%}");
        var body = ParseBlock(out _, "endmacro");
        Expect(TokenKind.StatementClose, "%}");
        return new MacroStatement(macroName, parameters, body, keyword.Where);
    }

    private TemplateToken Next() => tokens[index++];

    private string ExpectName()
    {
        var token = Next();
        return token.Kind == TokenKind.Name ? token.Value : throw Error(token, $"expected a name, got '{token.Value}'");
    }

    private void Expect(TokenKind kind, string value)
    {
        var token = Next();
        if (token.Kind != kind || (kind == TokenKind.Operator && token.Value != value))
        {
            throw Error(token, $"expected '{value}', got '{(token.Kind == TokenKind.End ? "end of template" : token.Value)}'");
        }
    }

    private TemplateException Error(TemplateToken token, string problem) => new($"{name}:{token.Where}: {problem}");
}
