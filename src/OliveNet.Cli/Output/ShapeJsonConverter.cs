using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OliveNet.Engine.Inspection;

namespace OliveNet.Cli.Output;

/// <summary>
/// Writes an input's or output's dims as JSON numbers where they are fixed and as strings where they are symbols
/// (<c>"batch"</c>) or unknown (<c>"?"</c>): <c>[1, 3, "height", "width"]</c>, so scripts compare numbers as numbers.
/// </summary>
internal sealed class ShapeJsonConverter : JsonConverter<ValueEntry>
{
    public override ValueEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("inspection JSON is output only");

    public override void Write(Utf8JsonWriter writer, ValueEntry value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteString("type", value.Type);
        if (value.Shape is { } shape)
        {
            writer.WriteStartArray("shape");
            foreach (var dim in shape)
            {
                if (long.TryParse(dim, NumberStyles.None, CultureInfo.InvariantCulture, out var fixedDim))
                {
                    writer.WriteNumberValue(fixedDim);
                }
                else
                {
                    writer.WriteStringValue(dim);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteString("display", value.Display);
        writer.WriteEndObject();
    }
}
