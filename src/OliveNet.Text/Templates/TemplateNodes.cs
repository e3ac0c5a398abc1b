namespace OliveNet.Text.Templates;

/// <summary>A statement of a parsed template; <see cref="Where"/> is its line:column for error messages.</summary>
internal abstract record Statement(string Where);

internal sealed record TextStatement(string Text, string Where) : Statement(Where);

internal sealed record OutputStatement(Expression Value, string Where) : Statement(Where);

internal sealed record IfStatement(Expression Condition, IReadOnlyList<Statement> Body, IReadOnlyList<Statement> Else, string Where) : Statement(Where);

internal sealed record ForStatement(IReadOnlyList<string> Targets, Expression Iterable, Expression? Filter, IReadOnlyList<Statement> Body, IReadOnlyList<Statement> Else, string Where) : Statement(Where);

/// <summary><c>set name = value</c>, <c>set ns.attr = value</c>, <c>set a, b = value</c> or a <c>set</c> block (Value null, Body set).</summary>
internal sealed record SetStatement(Expression Target, Expression? Value, IReadOnlyList<Statement>? Body, string Where) : Statement(Where);

internal sealed record MacroStatement(string Name, IReadOnlyList<(string Name, Expression? Default)> Parameters, IReadOnlyList<Statement> Body, string Where) : Statement(Where);

/// <summary><c>break</c> or <c>continue</c> inside a for loop.</summary>
internal sealed record LoopControlStatement(bool Break, string Where) : Statement(Where);

/// <summary>An expression node; <see cref="Where"/> is its line:column.</summary>
internal abstract record Expression(string Where);

internal sealed record LiteralExpression(object? Value, string Where) : Expression(Where);

internal sealed record NameExpression(string Name, string Where) : Expression(Where);

internal sealed record ListExpression(IReadOnlyList<Expression> Items, bool IsTuple, string Where) : Expression(Where);

internal sealed record DictExpression(IReadOnlyList<(Expression Key, Expression Value)> Items, string Where) : Expression(Where);

internal sealed record MemberExpression(Expression Target, string Member, string Where) : Expression(Where);

internal sealed record IndexExpression(Expression Target, Expression Index, string Where) : Expression(Where);

internal sealed record SliceExpression(Expression Target, Expression? Start, Expression? Stop, Expression? Step, string Where) : Expression(Where);

internal sealed record CallExpression(Expression Callee, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> Keywords, string Where) : Expression(Where);

internal sealed record FilterExpression(Expression Value, string Filter, IReadOnlyList<Expression> Arguments, IReadOnlyList<(string Name, Expression Value)> Keywords, string Where) : Expression(Where);

internal sealed record TestExpression(Expression Value, string Test, bool Negated, IReadOnlyList<Expression> Arguments, string Where) : Expression(Where);

internal sealed record UnaryExpression(string Operator, Expression Operand, string Where) : Expression(Where);

internal sealed record BinaryExpression(string Operator, Expression Left, Expression Right, string Where) : Expression(Where);

internal sealed record ConditionalExpression(Expression Condition, Expression Then, Expression? Else, string Where) : Expression(Where);
