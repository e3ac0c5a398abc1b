using System.Text.Json;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// A search spread over separate <c>olivenet</c> processes that share one cache folder, as the workers of a Slurm job
/// array on one node do, then gathered by a run without <c>--shard</c>: it publishes the same files as one process does.
/// The committed Fashion-MNIST CNN and four INT8 quantizations, ranked by accuracy (exact, so the winner is decided by
/// data, not timing noise).
/// </summary>
public sealed class ShardedSearchTests : IDisposable
{
    private const string Data = "/usr/share/datasets/fashion-mnist";
    private static readonly string Model = Path.Combine(CliProcess.RepoRoot, "pipelines", "models", "fashion-mnist-cnn.onnx");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Recipe(string sampler = "sequential") => _dir.File($"search-{sampler}.yaml", $$$"""
        workflow_id: fashion_shards
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
                user_config: {warmup_num: 2, repeat_test_num: 10}
                sub_types: [{name: p50, priority: 2}]
        evaluator: e
        search_strategy: {execution_order: joint, sampler: {{{sampler}}}, include_pass_params: false}
        passes:
          quantize:
            - {type: OnnxDynamicQuantization, per_channel: [true, false]}
            - {type: OnnxStaticQuantization, data_config: calibration, calibrate_method: [MinMax, Percentile], per_channel: true}
        """);

    [Fact]
    public async Task Worker_processes_sharing_a_cache_then_a_gather_publish_what_one_process_publishes()
    {
        Assert.True(File.Exists(Path.Combine(Data, "t10k-images-idx3-ubyte.gz")), "Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist");
        var recipe = Recipe();
        var shared = $"cache_dir={_dir.Path}/shared";
        var output = $"output_dir={_dir.Path}/out-gathered";

        // Shard 0 is delivered twice (as a requeued array task would be), all three at once.
        var workers = new[] { "0/2", "1/2", "0/2" }
            .Select(shard => Task.Run(() => CliProcess.Run(new Dictionary<string, string?>(), "run", recipe, "--shard", shard, "--set", shared, "--set", output)))
            .ToArray();
        var results = await Task.WhenAll(workers);
        foreach (var (exit, stdout, stderr) in results)
        {
            Assert.True(exit == 0, stderr);
            Assert.Contains("nothing published", stdout, StringComparison.Ordinal);
        }

        Assert.Contains("shard 0/2: ran 2 of 4 candidate(s)", results[0].Out, StringComparison.Ordinal);
        Assert.Contains("shard 1/2: ran 2 of 4 candidate(s)", results[1].Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists($"{_dir.Path}/out-gathered"));

        var (gatherExit, _, gatherLog) = CliRunner.Run("run", recipe, "--set", shared, "--set", output);
        Assert.True(gatherExit == 0, gatherLog);
        // Everything came from the cache: no pass ran, every candidate's metrics were read back.
        Assert.DoesNotContain(": done in", gatherLog, StringComparison.Ordinal);
        Assert.Equal(4, gatherLog.Split('\n').Count(l => l.Contains("(2 metric(s) from the evaluation cache)", StringComparison.Ordinal)));

        var (singleExit, _, singleLog) = CliRunner.Run("run", recipe, "--set", $"cache_dir={_dir.Path}/single", "--set", $"output_dir={_dir.Path}/out-single");
        Assert.True(singleExit == 0, singleLog);
        var manifest = File.ReadAllText($"{_dir.Path}/out-single/manifest.json");
        Assert.Equal(manifest, File.ReadAllText($"{_dir.Path}/out-gathered/manifest.json"));
        using var doc = JsonDocument.Parse(manifest);
        foreach (var file in doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!))
        {
            Assert.True(File.ReadAllBytes($"{_dir.Path}/out-single/{file}").SequenceEqual(File.ReadAllBytes($"{_dir.Path}/out-gathered/{file}")), $"{file} differs");
        }

        // The cache the workers shared holds complete entries only.
        var (verifyExit, verifyOut, verifyErr) = CliRunner.Run("cache", "verify", "--cache-dir", $"{_dir.Path}/shared");
        Assert.True(verifyExit == 0, verifyOut + verifyErr);
    }

    [Theory]
    [InlineData("two", "--shard 'two': expected I/N")]
    [InlineData("2/2", "--shard 2/2: the index must be below the number of workers (0 to 1)")]
    [InlineData("0/0", "--shard 0/0: the number of workers must be at least 1")]
    public void A_malformed_shard_exits_2_saying_how_to_write_it(string shard, string message)
    {
        var (exit, _, stderr) = CliRunner.Run("run", Recipe(), "--shard", shard);

        Assert.Equal(2, exit);
        Assert.Contains($"error: {message}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dry_run_lists_the_candidates_of_a_shard()
    {
        var (exit, stdout, stderr) = CliRunner.Run("run", Recipe(), "--shard", "1/2", "--dry-run");

        Assert.True(exit == 0, stderr);
        Assert.Contains("shard       1/2: 2 candidate(s):", stdout, StringComparison.Ordinal);
        Assert.Contains("candidate 1   quantize=OnnxDynamicQuantization{per_channel=false}", stdout, StringComparison.Ordinal);
        Assert.Contains("candidate 3   quantize=OnnxStaticQuantization{calibrate_method=Percentile}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tpe_search_refuses_shards_with_exit_2()
    {
        var (exit, _, stderr) = CliRunner.Run("run", Recipe("tpe"), "--shard", "0/2", "--set", $"cache_dir={_dir.Path}/cache");

        Assert.Equal(2, exit);
        Assert.Contains("sampler tpe proposes each candidate from the results of the ones before it", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists($"{_dir.Path}/cache"));
    }
}
