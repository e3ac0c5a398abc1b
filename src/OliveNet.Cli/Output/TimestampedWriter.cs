using System.Globalization;
using System.Text;

namespace OliveNet.Cli.Output;

/// <summary>Prefixes each line with the local time, as build logs want. Thread-safe.</summary>
internal sealed class TimestampedWriter(TextWriter inner) : TextWriter
{
    private readonly Lock _gate = new();

    public override Encoding Encoding => inner.Encoding;

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            inner.WriteLine($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {value}");
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            inner.Write(value);
        }
    }
}
