using System.Text.Json;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// The same search run twice from fresh caches publishes byte-identical files: the committed Fashion-MNIST CNN, three
/// INT8 quantizations that all keep accuracy, ranked second by a latency whose differences are within this machine's
/// noise. (No latency goal: on a 1 ms model a relative bound lets noise decide which candidates meet it at all — see
/// the README's Search section.)
/// </summary>
public sealed class ReproducibleSearchTests : IDisposable
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private static readonly string Model = Path.Combine(RepoRoot(), "pipelines", "models", "fashion-mnist-cnn.onnx");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Two_fresh_runs_of_a_search_publish_the_same_model_and_manifest()
    {
        Assert.True(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist");
        var recipe = _dir.File("search.yaml", $$$"""
            workflow_id: fashion_search
            input_model: {type: ONNXModel, model_path: "{{{Model}}}"}
            data_configs:
              - name: test
                load_dataset_config:
                  type: idx_dataset
                  params: {images_file: {{{Data}}}/t10k-images-idx3-ubyte.gz, labels_file: {{{Data}}}/t10k-labels-idx1-ubyte.gz, max_samples: 200}
                dataloader_config: {type: default_dataloader, params: {batch_size: 50}}
                post_process_data_config: {type: argmax}
              - name: calibration
                load_dataset_config:
                  type: idx_dataset
                  params: {images_file: {{{Data}}}/train-images-idx3-ubyte.gz, max_samples: 64}
            evaluators:
              e:
                metrics:
                  - name: accuracy
                    type: accuracy
                    data_config: test
                    sub_types: [{name: accuracy_score, priority: 1, goal: {type: max-degradation, value: 0.05}}]
                  - name: latency
                    type: latency
                    data_config: test
                    user_config: {warmup_num: 2, repeat_test_num: 20}
                    sub_types: [{name: p50, priority: 2}, {name: min}, {name: max}]
            evaluator: e
            search_strategy: {execution_order: joint, sampler: sequential, include_pass_params: false}
            passes:
              quantize:
                - {type: OnnxDynamicQuantization, per_channel: true}
                - {type: OnnxStaticQuantization, data_config: calibration, calibrate_method: [MinMax, Percentile], per_channel: true}
            """);

        var first = Run(recipe, "a");
        var second = Run(recipe, "b");

        // Every file the manifest covers, and the manifest itself, is the same byte for byte.
        var manifest = File.ReadAllText(Path.Combine(first, "manifest.json"));
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(second, "manifest.json")));
        using var doc = JsonDocument.Parse(manifest);
        var files = doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).ToList();
        Assert.Contains("model.onnx", files);
        Assert.Contains("footprint.json", files);
        foreach (var file in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(first, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(second, file))), $"{file} differs between the two runs");
        }

        // The choice was made from an interleaved measurement and is explained rule by rule.
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, "metrics.json")));
        Assert.Contains(metrics.RootElement.GetProperty("choice_notes").EnumerateArray(), n => n.GetString()!.Contains("interleaved", StringComparison.Ordinal));
        Assert.NotEmpty(metrics.RootElement.GetProperty("choice").EnumerateArray());
        // Every statistic of a contender comes from that one interleaved measurement: min ≤ p50 ≤ max, spread recorded.
        foreach (var candidate in metrics.RootElement.GetProperty("candidates").EnumerateArray())
        {
            var values = candidate.GetProperty("metrics");
            Assert.True(candidate.GetProperty("spreads").TryGetProperty("latency-p50", out _));
            Assert.InRange(values.GetProperty("latency-p50").GetDouble(), values.GetProperty("latency-min").GetDouble(), values.GetProperty("latency-max").GetDouble());
        }

        // Every lossy pass run is in the footprint with its fidelity against its input, measured on the recipe's data.
        using var footprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, "footprint.json")));
        var quantize = footprint.RootElement.GetProperty("nodes")[1];
        Assert.Equal("data config test", quantize.GetProperty("fidelity").GetProperty("source").GetString());
    }

    private string Run(string recipe, string name)
    {
        var output = Path.Combine(_dir.Path, $"out-{name}");
        var (exit, _, stderr) = CliRunner.Run("run", recipe, "--set", $"cache_dir={_dir.Path}/cache-{name}", "--set", $"output_dir={output}");
        Assert.True(exit == 0, stderr);
        return output;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
