namespace OliveNet.Text.Tests.Templates;

/// <summary>
/// The chat templates of Microsoft's Phi models, transcribed from the <c>chat_template</c> field of each model's
/// tokenizer_config.json on the Hugging Face hub (no npm package ships these files, so they live here as data).
/// </summary>
internal static class PhiTemplates
{
    public static IReadOnlyList<(string Name, string Source)> All { get; } =
    [
        // microsoft/Phi-3-mini-4k-instruct, revision of 2024-05 onwards (system role supported).
        ("phi-3-mini", "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"),

        // microsoft/Phi-3-mini-4k-instruct, first release (bos token, no system role).
        ("phi-3-mini-v1", "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\n' + message['content'] + '<|end|>' + '\n' + '<|assistant|>' + '\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\n'}}{% endif %}{% endfor %}"),

        // microsoft/Phi-3.5-mini-instruct (an empty system message is skipped).
        ("phi-3.5-mini", "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"),

        // microsoft/Phi-4-mini-instruct (tools travel as a string on the system message).
        ("phi-4-mini", "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and message['tools'] is not none %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}{% else %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}"),
    ];
}
