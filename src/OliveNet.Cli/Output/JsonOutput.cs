using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OliveNet.Cli.Output;

/// <summary>Writes results as indented JSON with snake_case keys, for scripts and build servers.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new ShapeJsonConverter() },
    };

    public static void Write<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>A failed command under <c>--json</c>: <c>{"error": {"message": …, "exit_code": n}}</c>, so scripts parse failures too.</summary>
    public static void Error(TextWriter output, string message, int exitCode) =>
        Write(output, new { Error = new { Message = message, ExitCode = exitCode } });
}
