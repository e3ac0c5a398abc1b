using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace OliveNet.Cli.Output;

/// <summary>
/// On an interactive terminal, a live Spectre.Console display under the log: the running pass ("[2/3] quantize
/// (OnnxStaticQuantization)") with a spinner and elapsed time, and one row per long step inside it (each candidate's
/// evaluation, each metric, calibration, downloads) with a bar, percentage and ETA where the loop knows its length.
/// Log lines print above the display with their time; finished rows disappear.
/// </summary>
internal sealed class LiveProgress : ProgressView
{
    private readonly IAnsiConsole _console;
    private readonly Verbosity _level;
    private readonly ConcurrentDictionary<long, ProgressTask> _steps = new();
    private readonly LogWriter _log;
    private ProgressContext? _context;
    private ProgressTask? _pass;

    public LiveProgress(Verbosity level)
    {
        _level = level;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(Console.Error),
        });
        _log = new LogWriter(_console);
    }

    public override TextWriter Log => _log;

    public override T Show<T>(Func<T> work)
    {
        var result = default(T)!;
        _console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    result = work();
                }
                finally
                {
                    _context = null;
                }
            });
        return result;
    }

    public override void PassStarted(int index, int count, string name, string type)
    {
        if (_context is { } context)
        {
            _pass = context.AddTask(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"[{index + 1}/{count}] {name} ({type})")));
            _pass.IsIndeterminate = true;
        }
    }

    public override void PassFinished(string name, string type, bool cached)
    {
        base.PassFinished(name, type, cached);
        if (Interlocked.Exchange(ref _pass, null) is { } task)
        {
            task.StopTask();
        }
    }

    public override void StepStarted(long step, string description, int? total)
    {
        if (_context is { } context)
        {
            // Nested under the pass (or the run) by indentation: rows appear in start order.
            var task = context.AddTask(Markup.Escape($"  {description}"), maxValue: total ?? 100);
            task.IsIndeterminate = total is null;
            _steps[step] = task;
        }

        if (_level == Verbosity.Verbose)
        {
            _log.WriteLine(total is { } n ? $"{description}: {n} item(s)" : $"{description} ...");
        }
    }

    public override void StepAdvanced(long step, int done)
    {
        if (_steps.TryGetValue(step, out var task))
        {
            task.Value = done;
        }
    }

    public override void StepFinished(long step)
    {
        if (_steps.TryRemove(step, out var task))
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }

    /// <summary>Writes each line above the live display, prefixed with the time like the plain log.</summary>
    private sealed class LogWriter(IAnsiConsole console) : TextWriter
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _partial = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                var line = _partial.Append(value).ToString();
                _partial.Clear();
                console.MarkupLine($"[grey][[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}]][/] {Markup.Escape(line)}");
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                if (value == '\n')
                {
                    WriteLine(string.Empty);
                }
                else if (value != '\r')
                {
                    _partial.Append(value);
                }
            }
        }
    }
}
