using System.Text;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// The Ollama <c>Modelfile</c> beside a GGUF file: <c>FROM ./model.gguf</c>, a Go-template <c>TEMPLATE</c> for the
/// chat template families whose Jinja OliveNet recognizes (ChatML, Llama 3, Gemma, Phi-3), <c>PARAMETER stop</c> for
/// the end-of-sequence and end-of-turn tokens, and <c>PARAMETER num_ctx</c>. <c>ollama create NAME -f Modelfile</c>
/// in that folder imports the model.
/// </summary>
internal static class OllamaModelfile
{
    /// <summary>The file name.</summary>
    public const string FileName = "Modelfile";

    private static readonly (string Marker, string Family, string Template)[] Templates =
    [
        ("<|im_start|>", "ChatML", "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"),
        ("<|start_header_id|>", "Llama 3", "<|begin_of_text|>{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"),
        ("<start_of_turn>", "Gemma", "{{- range .Messages }}<start_of_turn>{{ if eq .Role \"assistant\" }}model{{ else }}{{ .Role }}{{ end }}\n{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n"),
        ("<|assistant|>", "Phi-3", "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}<|end|>\n{{ end }}<|assistant|>\n"),
    ];

    /// <summary>The Go template for a Jinja chat template, with its family name, or null when not recognized.</summary>
    public static (string Family, string Template)? Convert(string? jinja) =>
        jinja is null ? null : Templates.Where(t => jinja.Contains(t.Marker, StringComparison.Ordinal)).Select(t => ((string, string)?)(t.Family, t.Template)).FirstOrDefault();

    /// <summary>Writes <c>Modelfile</c> into <paramref name="folder"/> (temp + rename).</summary>
    public static void Write(string folder, string gguf, GgufVocabulary vocabulary, int numCtx, TextWriter log)
    {
        var text = new StringBuilder();
        text.Append("# Ollama Modelfile written by OliveNet GgufExport: ollama create NAME -f Modelfile\n");
        text.Append($"FROM ./{gguf}\n");
        if (Convert(vocabulary.ChatTemplate) is var (family, template))
        {
            text.Append($"# TEMPLATE: the checkpoint's chat template ({family}) in Go template syntax\n");
            text.Append($"TEMPLATE \"\"\"{template}\"\"\"\n");
        }
        else if (vocabulary.ChatTemplate is not null)
        {
            log.WriteLine("GgufExport: the chat template is not one OliveNet converts to a Go template (ChatML, Llama 3, Gemma, Phi-3); the Modelfile has no TEMPLATE, and Ollama falls back to the GGUF's tokenizer.chat_template.");
        }

        foreach (var stop in vocabulary.StopTokens)
        {
            text.Append($"PARAMETER stop \"{stop.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n");
        }

        text.Append($"PARAMETER num_ctx {numCtx}\n");
        var path = Path.Combine(folder, FileName);
        File.WriteAllText(path + ".tmp", text.ToString(), new UTF8Encoding(false));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
