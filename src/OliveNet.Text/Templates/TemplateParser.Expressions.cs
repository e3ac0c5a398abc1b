using System.Globalization;

namespace OliveNet.Text.Templates;

internal sealed partial class TemplateParser
{
    private static readonly string[] Comparisons = ["==", "!=", "<", ">", "<=", ">="];

    /// <summary>expression := or ['if' or ['else' expression]]</summary>
    private Expression ParseExpression()
    {
        var value = ParseOr();
        if (!Current.IsName("if"))
        {
            return value;
        }

        var where = Next().Where;
        var condition = ParseOr();
        Expression? otherwise = null;
        if (Current.IsName("else"))
        {
            index++;
            otherwise = ParseExpression();
        }

        return new ConditionalExpression(condition, value, otherwise, where);
    }

    private Expression ParseTernaryFree() => ParseOr();

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var where = Next().Where;
            left = new BinaryExpression("or", left, ParseAnd(), where);
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var where = Next().Where;
            left = new BinaryExpression("and", left, ParseNot(), where);
        }

        return left;
    }

    private Expression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var where = Next().Where;
            return new UnaryExpression("not", ParseNot(), where);
        }

        return ParseComparison();
    }

    private Expression ParseComparison()
    {
        var left = ParseConcat();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && Comparisons.Contains(token.Value))
            {
                index++;
                left = new BinaryExpression(token.Value, left, ParseConcat(), token.Where);
            }
            else if (token.IsName("in"))
            {
                index++;
                left = new BinaryExpression("in", left, ParseConcat(), token.Where);
            }
            else if (token.IsName("not") && tokens[index + 1].IsName("in"))
            {
                index += 2;
                left = new BinaryExpression("not in", left, ParseConcat(), token.Where);
            }
            else
            {
                return left;
            }
        }
    }

    private Expression ParseConcat()
    {
        var left = ParseAdditive();
        while (Current.IsOperator("~"))
        {
            var where = Next().Where;
            left = new BinaryExpression("~", left, ParseAdditive(), where);
        }

        return left;
    }

    private Expression ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var token = Next();
            left = new BinaryExpression(token.Value, left, ParseMultiplicative(), token.Where);
        }

        return left;
    }

    private Expression ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var token = Next();
            left = new BinaryExpression(token.Value, left, ParseUnary(), token.Where);
        }

        return left;
    }

    private Expression ParseUnary()
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var token = Next();
            return new UnaryExpression(token.Value, ParseUnary(), token.Where);
        }

        var value = ParsePostfix(ParsePrimary());
        if (Current.IsOperator("**"))
        {
            var token = Next();
            return new BinaryExpression("**", value, ParseUnary(), token.Where);
        }

        return value;
    }

    private Expression ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.String:
                var text = token.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value;
                }

                return new LiteralExpression(text, token.Where);
            case TokenKind.Integer:
                return new LiteralExpression(long.Parse(token.Value, CultureInfo.InvariantCulture), token.Where);
            case TokenKind.Float:
                return new LiteralExpression(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Where);
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpression(true, token.Where),
                    "false" or "False" => new LiteralExpression(false, token.Where),
                    "none" or "None" => new LiteralExpression(null, token.Where),
                    _ => new NameExpression(token.Value, token.Where),
                };
            case TokenKind.Operator when token.Value == "(":
                if (Current.IsOperator(")"))
                {
                    index++;
                    return new ListExpression([], true, token.Where);
                }

                var first = ParseExpression();
                if (!Current.IsOperator(","))
                {
                    Expect(TokenKind.Operator, ")");
                    return first;
                }

                var tuple = new List<Expression> { first };
                tuple.AddRange(ParseSequence(")"));
                return new ListExpression(tuple, true, token.Where);
            case TokenKind.Operator when token.Value == "[":
                return new ListExpression(ParseSequence("]", leadingComma: false), false, token.Where);
            case TokenKind.Operator when token.Value == "{":
                return ParseDict(token);
            default:
                throw Error(token, $"unexpected '{(token.Kind == TokenKind.End ? "end of template" : token.Value)}' in an expression");
        }
    }

    // Items after an opening bracket (or after the first tuple item when leadingComma), up to the closer.
    private List<Expression> ParseSequence(string closer, bool leadingComma = true)
    {
        var items = new List<Expression>();
        if (leadingComma)
        {
            index++;
        }

        while (!Current.IsOperator(closer))
        {
            items.Add(ParseExpression());
            if (!Current.IsOperator(","))
            {
                break;
            }

            index++;
        }

        Expect(TokenKind.Operator, closer);
        return items;
    }

    private DictExpression ParseDict(TemplateToken open)
    {
        var items = new List<(Expression, Expression)>();
        while (!Current.IsOperator("}"))
        {
            var key = ParseExpression();
            Expect(TokenKind.Operator, ":");
            items.Add((key, ParseExpression()));
            if (!Current.IsOperator(","))
            {
                break;
            }

            index++;
        }

        Expect(TokenKind.Operator, "}");
        return new DictExpression(items, open.Where);
    }

    private Expression ParsePostfix(Expression value)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                index++;
                value = new MemberExpression(value, ExpectName(), token.Where);
            }
            else if (token.IsOperator("["))
            {
                index++;
                value = ParseSubscript(value, token);
            }
            else if (token.IsOperator("("))
            {
                index++;
                var (arguments, keywords) = ParseArguments();
                value = new CallExpression(value, arguments, keywords, token.Where);
            }
            else if (token.IsOperator("|"))
            {
                index++;
                var filter = Next();
                List<Expression> arguments = [];
                List<(string, Expression)> keywords = [];
                if (Current.IsOperator("("))
                {
                    index++;
                    (arguments, keywords) = ParseArguments();
                }

                value = new FilterExpression(value, filter.Value, arguments, keywords, filter.Where);
            }
            else if (token.IsName("is"))
            {
                index++;
                var negated = Current.IsName("not");
                index += negated ? 1 : 0;
                var test = Next();
                var name = test.Kind == TokenKind.Name ? test.Value : test.Value switch { "==" => "eq", "!=" => "ne", "<" => "lt", ">" => "gt", _ => test.Value };
                List<Expression> arguments = [];
                if (Current.IsOperator("("))
                {
                    index++;
                    arguments = ParseArguments().Arguments;
                }
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float || (Current.Kind == TokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "is" or "not" or "in")))
                {
                    arguments = [ParsePrimary()];
                }

                value = new TestExpression(value, name, negated, arguments, test.Where);
            }
            else
            {
                return value;
            }
        }
    }

    private Expression ParseSubscript(Expression target, TemplateToken open)
    {
        Expression? start = Current.IsOperator(":") ? null : ParseExpression();
        if (!Current.IsOperator(":"))
        {
            Expect(TokenKind.Operator, "]");
            return new IndexExpression(target, start!, open.Where);
        }

        index++;
        Expression? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expression? step = null;
        if (Current.IsOperator(":"))
        {
            index++;
            step = Current.IsOperator("]") ? null : ParseExpression();
        }

        Expect(TokenKind.Operator, "]");
        return new SliceExpression(target, start, stop, step, open.Where);
    }

    private (List<Expression> Arguments, List<(string, Expression)> Keywords) ParseArguments()
    {
        var arguments = new List<Expression>();
        var keywords = new List<(string, Expression)>();
        while (!Current.IsOperator(")"))
        {
            if (Current.Kind == TokenKind.Name && tokens[index + 1].IsOperator("="))
            {
                var keyword = Next().Value;
                index++;
                keywords.Add((keyword, ParseExpression()));
            }
            else
            {
                arguments.Add(ParseExpression());
            }

            if (!Current.IsOperator(","))
            {
                break;
            }

            index++;
        }

        Expect(TokenKind.Operator, ")");
        return (arguments, keywords);
    }
}
