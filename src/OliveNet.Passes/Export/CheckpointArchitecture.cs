namespace OliveNet.Passes.Export;

/// <summary>The validation-time look at a checkpoint's config.json that the checkpoint passes share.</summary>
internal static class CheckpointArchitecture
{
    /// <summary>
    /// Why the decoder export cannot read <paramref name="folder"/>'s config (an unsupported architecture, a missing
    /// field), prefixed with what <paramref name="user"/> needs it for; empty when it can.
    /// </summary>
    public static IReadOnlyList<string> Problems(string folder, string? user = null)
    {
        try
        {
            _ = HfConfig.Load(folder);
            return [];
        }
        catch (ExportException e)
        {
            var message = OutOfScope(folder) is { } scope ? $"{e.Message} {scope}" : e.Message;
            return [user is null ? message : $"{user}: {message}"];
        }
    }

    /// <summary>
    /// A sentence saying that the checkpoint's kind is out of scope rather than not done yet, for the encoder–decoder
    /// speech models Olive's recipes also send to ModelBuilder (Whisper); null for anything else.
    /// </summary>
    private static string? OutOfScope(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        string type;
        try
        {
            type = File.Exists(path) && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["model_type"] is System.Text.Json.Nodes.JsonValue v
                && v.TryGetValue<string>(out var t) ? t : string.Empty;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        return type is "whisper" or "moonshine"
            ? $"'{type}' (a speech encoder–decoder, which Olive's ModelBuilder writes as GenAI's Whisper pipeline) is out of OliveNet's scope: OliveNet's ModelBuilder exports decoder-only language models."
            : null;
    }
}
