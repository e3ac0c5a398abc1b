using System.Text.Json.Nodes;

namespace OliveNet.Text.Tests.Templates;

/// <summary>Conversations that exercise the branches of real chat templates: system, multi-turn, tools, thinking, errors.</summary>
internal static class Conversations
{
    private const string Tools = """
        [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}]
        """;

    public static IReadOnlyList<(string Name, JsonObject Context)> All { get; } =
    [
        ("system-user", Context("""[{"role": "system", "content": "You are a concise assistant."}, {"role": "user", "content": "What is the capital of France?"}]""")),
        ("multi-turn", Context("""
            [{"role": "system", "content": "  Be brief.  "}, {"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello. How can I help?"},
             {"role": "user", "content": "Tell me a joke about \"quotes\" and\nnewlines."}]
            """)),
        ("no-system", Context("""[{"role": "user", "content": "Ünïcödé ✓ 中文 🦙"}, {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "Again"}]""", generationPrompt: false)),
        ("tools", Context("""
            [{"role": "system", "content": "You can call tools."}, {"role": "user", "content": "Weather in Paris?"},
             {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
             {"role": "tool", "content": "{\"temperature\": 21}"}, {"role": "tool", "content": "sunny"}]
            """, tools: Tools)),
        ("thinking", Context("""
            [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\nSimple sum.\n</think>\n\n4"},
             {"role": "user", "content": "3+3?"}]
            """, extra: """{"enable_thinking": false}""")),
        ("content-parts", Context("""[{"role": "system", "content": [{"type": "text", "text": "Sys parts."}]}, {"role": "user", "content": [{"type": "text", "text": " Part one "}, {"type": "image"}]}]""")),
        ("system-tools-string", Context("""
            [{"role": "system", "content": "You are a helpful assistant with some tools.", "tools": "[{\"name\": \"get_weather\", \"parameters\": {\"city\": {\"type\": \"str\"}}}]"},
             {"role": "user", "content": "Weather in Oslo?"}, {"role": "assistant", "content": "Calling get_weather."}, {"role": "system", "content": "", "tools": null}]
            """, generationPrompt: false)),
        ("bad-order", Context("""[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]""")),
    ];

    private static JsonObject Context(string messages, bool generationPrompt = true, string? tools = null, string? extra = null)
    {
        var context = new JsonObject
        {
            ["messages"] = JsonNode.Parse(messages),
            ["add_generation_prompt"] = generationPrompt,
            ["bos_token"] = "<BOS>",
            ["eos_token"] = "<EOS>",
        };
        if (tools is not null)
        {
            context["tools"] = JsonNode.Parse(tools);
        }

        if (extra is not null)
        {
            foreach (var (key, value) in JsonNode.Parse(extra)!.AsObject())
            {
                context[key] = value?.DeepClone();
            }
        }

        return context;
    }
}
