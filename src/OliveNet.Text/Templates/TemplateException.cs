namespace OliveNet.Text.Templates;

/// <summary>
/// A chat template could not be parsed or rendered: the message names the construct, the template and the
/// line:column, e.g. <c>chat_template:12:8: filter 'wordwrap' is not supported</c>.
/// </summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates the exception with a complete message.</summary>
    public TemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates an exception with no message (required by the analyzers; prefer the other constructors).</summary>
    public TemplateException()
    {
    }

    /// <summary>True when the template itself raised the error through <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; init; }
}
