using System.CommandLine;
using System.Globalization;
using OliveNet.Cli.Output;
using OliveNet.Engine.Assets;
using OliveNet.Engine.Benchmarking;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet bench &lt;model&gt;</c>: ONNX Runtime latency with generated inputs.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model")
        {
            Description = "An .onnx file, a folder holding model.onnx, or npm:<package>@<version>/<file>.",
        };
        var dims = new Option<string[]>("--dim")
        {
            Description = "Value of a symbolic dim, as name=value (repeatable). Dims left open are set to 1.",
            HelpName = "name=value",
        };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "Whole shape of one input, as input=d0xd1x... (repeatable), e.g. x=1x3x48x320.",
            HelpName = "input=shape",
        };
        var fills = new Option<string[]>("--fill")
        {
            Description = "Fill one input with a constant instead of random data, as input=value (repeatable), e.g. sr=16000.",
            HelpName = "input=value",
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before measuring.", DefaultValueFactory = _ => 10 };
        var runs = new Option<int>("--runs", "-r") { Description = "Timed runs.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int?>("--threads", "-t") { Description = "Intra-op threads; 0 or unset: ONNX Runtime's choice, one per physical core." };
        var level = new Option<GraphOptimizationLevel>("--opt-level")
        {
            Description = "Graph optimization level of the session.",
            DefaultValueFactory = _ => GraphOptimizationLevel.All,
        };
        var provider = new Option<string>("--ep")
        {
            Description = "Execution provider: CPUExecutionProvider, or one this ONNX Runtime build can create (CUDA, TensorRT, ... need their provider libraries). No silent fallback to CPU.",
            DefaultValueFactory = _ => "CPUExecutionProvider",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated inputs.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table." };
        var profile = new Option<int>("--profile-runs")
        {
            Description = "After the timed runs, profile this many more with ONNX Runtime's profiler (own session) and print where the time goes: kernel time per operator type and the slowest nodes.",
            DefaultValueFactory = _ => 0,
            HelpName = "runs",
        };

        var command = new Command(
            "bench",
            "Measure ONNX Runtime inference latency with generated inputs on an execution provider (--ep): warm-up, N timed runs, then mean, p50, p90, p99, and where the nodes really ran (one profiled run).")
        {
            model, dims, shapes, fills, warmup, runs, threads, provider, level, seed, profile, json,
        };

        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var path = new ModelLocator().Resolve(parse.GetValue(model)!, error);

            // Reading the model first turns a corrupt file or bad external data into our clear error, not ORT's.
            _ = OnnxModel.Load(path);
            var settings = new BenchmarkSettings
            {
                Warmup = parse.GetValue(warmup),
                Runs = parse.GetValue(runs),
                Threads = parse.GetValue(threads),
                OptimizationLevel = parse.GetValue(level),
                ExecutionProvider = parse.GetValue(provider)!,
                Seed = parse.GetValue(seed),
                ProfileRuns = parse.GetValue(profile),
                Dims = Pairs<long>(parse.GetValue(dims), "--dim", "batch=1", ParseLong),
                Shapes = Pairs<long[]>(parse.GetValue(shapes), "--shape", "x=1x3x224x224", ParseShape),
                Fill = Pairs<double>(parse.GetValue(fills), "--fill", "sr=16000", ParseDouble),
            };
            var quiet = parse.GetValue(json);
            var report = LatencyBenchmark.Run(path, settings, quiet ? null : error);
            if (quiet)
            {
                JsonOutput.Write(output, report);
            }
            else
            {
                BenchText.Write(output, report);
            }

            return ExitCodes.Ok;
        }, parse.GetValue(json) ? output : null));
        return command;
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static Dictionary<string, T> Pairs<T>(string[]? items, string option, string example, TryParse<T> parse)
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !parse(item[(eq + 1)..], out var value))
            {
                throw new UsageException($"{option} '{item}' is not name=value with a valid value; write it like {option} {example}");
            }

            result[item[..eq]] = value;
        }

        return result;
    }

    private static bool ParseLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= 0;

    private static bool ParseShape(string text, out long[] value)
    {
        var dims = text.Split('x', ',');
        value = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++)
        {
            if (!ParseLong(dims[i], out value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ParseDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
