using System.Diagnostics;
using System.Globalization;
using System.Text;
using OliveNet.Engine.Workflows;

namespace OliveNet.Cli.Output;

/// <summary>
/// On a terminal, a live line under the log showing the running pass and its elapsed time, redrawn every 200 ms.
/// Log lines written through this writer first erase the live line, so the two never interleave.
/// </summary>
internal sealed class LiveProgress : TextWriter, IRunObserver
{
    private static readonly char[] Spinner = ['|', '/', '-', '\\'];
    private readonly TextWriter _terminal;
    private readonly TimestampedWriter _log;
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private string? _current;
    private long _started;
    private int _frame;

    public LiveProgress(TextWriter terminal)
    {
        _terminal = terminal;
        _log = new TimestampedWriter(terminal);
        _timer = new Timer(_ => Draw(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Whether stderr is an interactive terminal (not redirected, not a CI job), where a live line makes sense.</summary>
    public static bool Supported => !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public override Encoding Encoding => _terminal.Encoding;

    public void PassStarted(int index, int count, string name, string type)
    {
        lock (_gate)
        {
            _current = string.Create(CultureInfo.InvariantCulture, $"[{index + 1}/{count}] {name} ({type})");
            _started = Stopwatch.GetTimestamp();
        }

        _timer.Change(0, 200);
    }

    public void PassFinished(string name, string type, bool cached)
    {
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
        lock (_gate)
        {
            Erase();
            _current = null;
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            Erase();
            _log.WriteLine(value);
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            _log.Write(value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Draw()
    {
        lock (_gate)
        {
            if (_current is null)
            {
                return;
            }

            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            _terminal.Write(string.Create(CultureInfo.InvariantCulture, $"\r\u001b[2K{Spinner[_frame++ % Spinner.Length]} {_current} {seconds:0.0} s"));
            _terminal.Flush();
        }
    }

    private void Erase()
    {
        if (_current is not null)
        {
            _terminal.Write("\r\u001b[2K");
        }
    }
}
