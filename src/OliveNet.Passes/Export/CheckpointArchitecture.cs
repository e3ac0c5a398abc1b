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
            if (Whisper.WhisperConfig.IsFolder(folder))
            {
                // ModelBuilder exports Whisper (encoder + decoder); the passes that run the decoder-only export for
                // themselves refuse it in their own line (CheckpointInput.WhisperRefusal).
                if (user is null)
                {
                    _ = Whisper.WhisperConfig.Load(folder);
                }

                return [];
            }

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
    /// A sentence saying that the checkpoint's kind is out of scope rather than not done yet, for the speech models
    /// Olive's recipes also send to ModelBuilder that OliveNet does not export (Moonshine); null for anything else.
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

        return type is "moonshine"
            ? $"'{type}' (a speech encoder–decoder) is out of OliveNet's scope: OliveNet's ModelBuilder exports decoder-only language models and Whisper."
            : null;
    }
}
