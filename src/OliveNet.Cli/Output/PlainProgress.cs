using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OliveNet.Cli.Output;

/// <summary>
/// Progress as timestamped lines, for logs and CI: the engine's lines, and for long loops a line with count, percentage
/// and ETA at most every 10 s (every step's start and end too with <c>--verbose</c>). With <c>--quiet</c>, only warnings.
/// </summary>
internal sealed class PlainProgress(TextWriter error, Verbosity level) : ProgressView
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly TimestampedWriter _lines = new(error);
    private readonly ConcurrentDictionary<long, Step> _steps = new();

    public override TextWriter Log => level == Verbosity.Quiet ? new WarningsOnly(_lines) : _lines;

    public override void StepStarted(long step, string description, int? total)
    {
        _steps[step] = new Step(description, total, Stopwatch.GetTimestamp());
        if (level == Verbosity.Verbose)
        {
            _lines.WriteLine(total is { } n ? $"{description}: {n} item(s)" : $"{description} ...");
        }
    }

    public override void StepAdvanced(long step, int done)
    {
        if (level == Verbosity.Quiet || !_steps.TryGetValue(step, out var s) || s.Total is not { } total || done >= total)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref s.LastLine);
        if (Stopwatch.GetElapsedTime(last, now) >= Interval && Interlocked.CompareExchange(ref s.LastLine, now, last) == last)
        {
            var elapsed = Stopwatch.GetElapsedTime(s.Started, now);
            var eta = TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(total - done) / done));
            _lines.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Description}: {done}/{total} ({100.0 * done / total:0}%), {Units.Duration(elapsed)} elapsed, about {Units.Duration(eta)} left"));
        }
    }

    public override void StepFinished(long step)
    {
        if (_steps.TryRemove(step, out var s) && level == Verbosity.Verbose)
        {
            _lines.WriteLine($"{s.Description}: done in {Units.Duration(Stopwatch.GetElapsedTime(s.Started))}");
        }
    }

    private sealed class Step(string description, int? total, long started)
    {
#pragma warning disable CA1051 // a field, so Interlocked can swap it
        public long LastLine = started;
#pragma warning restore CA1051

        public string Description { get; } = description;

        public int? Total { get; } = total;

        public long Started { get; } = started;
    }

    /// <summary>Keeps the lines that change what the user should believe about the result.</summary>
    private sealed class WarningsOnly(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void WriteLine(string? value)
        {
            if (value is not null && value.TrimStart().StartsWith("warning:", StringComparison.Ordinal))
            {
                inner.WriteLine(value);
            }
        }

        public override void Write(char value)
        {
        }
    }
}
