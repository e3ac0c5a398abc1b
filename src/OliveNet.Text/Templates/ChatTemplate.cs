using System.Collections;
using System.Text.Json;

namespace OliveNet.Text.Templates;

/// <summary>
/// A Hugging Face chat template (the Jinja subset real templates use) parsed once and rendered by OliveNet's own
/// evaluator. Immutable and thread-safe; each render has its own variables.
/// </summary>
public sealed class ChatTemplate
{
    private readonly List<Statement> body;
    private readonly Dictionary<string, object?> defaults;

    private ChatTemplate(string source, string name, List<Statement> body, Dictionary<string, object?> defaults)
    {
        Source = source;
        Name = name;
        this.body = body;
        this.defaults = defaults;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>The name used in error messages (e.g. the tokenizer_config.json path).</summary>
    public string Name { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="TemplateException">Syntax error or unsupported tag, with line:column.</exception>
    public static ChatTemplate Parse(string source, string name = "chat_template")
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = new TemplateLexer(source, name).Tokenize();
        return new ChatTemplate(source, name, new TemplateParser(tokens, name).ParseTemplate(), []);
    }

    /// <summary>
    /// Reads <c>chat_template</c> (a string, or a list of named templates where <paramref name="templateName"/>
    /// or "default" is taken) and the special tokens (<c>bos_token</c>, <c>eos_token</c>, …) of a
    /// <c>tokenizer_config.json</c>; the special tokens become template variables.
    /// </summary>
    /// <exception cref="TemplateException">The file is missing, has no chat_template, or the template does not parse.</exception>
    public static ChatTemplate FromTokenizerConfig(string path, string? templateName = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new TemplateException($"Tokenizer config not found: {path}");
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (!root.TryGetProperty("chat_template", out var template))
        {
            throw new TemplateException($"{path}: has no chat_template; pass a template file or run without --chat");
        }

        var source = template.ValueKind switch
        {
            JsonValueKind.String => template.GetString()!,
            JsonValueKind.Array => template.EnumerateArray()
                .FirstOrDefault(t => t.GetProperty("name").GetString() == (templateName ?? "default")) is { ValueKind: JsonValueKind.Object } named
                ? named.GetProperty("template").GetString()!
                : throw new TemplateException($"{path}: chat_template has no template named '{templateName ?? "default"}'"),
            _ => throw new TemplateException($"{path}: chat_template must be a string or a list of named templates"),
        };
        var parsed = Parse(source, path);
        foreach (var token in new[] { "bos_token", "eos_token", "pad_token", "unk_token" })
        {
            if (root.TryGetProperty(token, out var value))
            {
                parsed.defaults[token] = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) ? content.GetString() : TemplateValues.FromJson(value);
            }
        }

        return parsed;
    }

    /// <summary>The special-token variables read from the tokenizer config (e.g. bos_token).</summary>
    public IReadOnlyDictionary<string, object?> Defaults => defaults;

    /// <summary>
    /// Renders with <paramref name="variables"/> (strings, numbers, bools, null, lists, string-keyed dictionaries,
    /// or <see cref="JsonElement"/>s), after the special-token defaults.
    /// </summary>
    /// <exception cref="TemplateException">An unsupported construct was reached or the template raised an error.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var interpreter = new TemplateInterpreter(Name);
        var globals = new TemplateScope(null);
        interpreter.AddGlobals(globals);
        foreach (var (key, value) in defaults)
        {
            globals.Set(key, value);
        }

        foreach (var (key, value) in variables)
        {
            globals.Set(key, Convert(value));
        }

        return interpreter.Render(body, new TemplateScope(globals));
    }

    /// <summary>Renders with the top-level properties of a JSON object as variables (messages, tools, add_generation_prompt, …).</summary>
    /// <exception cref="TemplateException">As <see cref="Render(IReadOnlyDictionary{string, object})"/>.</exception>
    public string Render(JsonElement variables) =>
        Render(variables.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value, StringComparer.Ordinal));

    /// <summary>Renders a conversation the usual way: messages, add_generation_prompt, and any extra variables.</summary>
    /// <exception cref="TemplateException">As <see cref="Render(IReadOnlyDictionary{string, object})"/>.</exception>
    public string Apply(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>(extra ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(m => (object?)TemplateValues.ToDictionary([("role", m.Role), ("content", m.Content)])).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        return Render(variables);
    }

    private static object? Convert(object? value) => value switch
    {
        null or string or bool or long or double => value,
        int i => (long)i,
        float f => (double)f,
        JsonElement e => TemplateValues.FromJson(e),
        OrderedDictionary<string, object?> dict => dict,
        IEnumerable<KeyValuePair<string, object?>> pairs => TemplateValues.ToDictionary(pairs.Select(p => (p.Key, Convert(p.Value)))),
        List<object?> list => list,
        IEnumerable items => items.Cast<object?>().Select(Convert).ToList(),
        _ => throw new ArgumentException($"A {value.GetType().Name} cannot be passed to a template; use strings, numbers, bools, lists, dictionaries or JsonElement."),
    };
}
