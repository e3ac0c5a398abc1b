using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Tests.Workflows;

/// <summary>
/// A search split into shards that fill one cache, then gathered: on a real ONNX model (Relu from the ONNX test data)
/// with a real pass that only sets the model's doc_string, so every candidate's size on disk—the ranked metric—is exact.
/// </summary>
public sealed class ShardedRunTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-shard-");
    private readonly DocStringPass _pass = new();
    private readonly RecipeLoader _loader;

    public ShardedRunTests()
    {
        _loader = new RecipeLoader(new PassRegistry([_pass]));
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>8 candidates (4 texts × 2 repeats), proposed in a seeded random order; the shortest doc string is smallest.</summary>
    private static string Search(string sampler = "random", string order = "joint") => $$$"""
        input_model: {type: ONNXModel, model_path: ../relu.onnx}
        evaluators:
          e:
            metrics:
              - name: size
                type: size_on_disk
                sub_types: [{name: bytes, priority: 1, goal: {type: max-degradation, value: 40}}]
        evaluator: e
        search_strategy: {execution_order: {{{order}}}, sampler: {{{sampler}}}, seed: 3, include_pass_params: false}
        passes:
          doc: {type: DocString, text: [dddd, bb, a, ccc], repeat: [2, 1]}
        """;

    [Fact]
    public void Three_shards_run_each_candidate_once_and_the_gather_publishes_what_one_process_does_without_running_a_pass()
    {
        var shards = Enumerable.Range(0, 3).Select(i => new WorkflowRunner().RunShard(Load(Search(), "shared"), new Shard(i, 3), new RunSettings())).ToList();

        // Round-robin over the schedule: every candidate in exactly one shard, each pass run once over all shards.
        Assert.Equal(Enumerable.Range(0, 8), shards.SelectMany(s => s.Candidates.Select(c => c.Index)).Order());
        Assert.All(shards, s => Assert.All(s.Candidates, c => Assert.Equal(s.Shard.Index, c.Index % 3)));
        Assert.Equal(8, _pass.Runs);
        Assert.True(shards[0].InputEvaluated);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "shared", "out", "model.onnx")));

        var progress = new StringWriter();
        var gather = new WorkflowRunner().Run(Load(Search(), "shared"), new RunSettings { Progress = progress });
        Assert.Equal(8, _pass.Runs);
        Assert.All(gather.Report!.Candidates, c => Assert.All(c.Lineage, l => Assert.True(l.Cached)));
        Assert.Equal(8, progress.ToString().Split('\n').Count(l => l.Contains("from the evaluation cache", StringComparison.Ordinal)));
        // A gathered candidate has the index its shard gave it.
        var byIndex = shards.SelectMany(s => s.Candidates).ToDictionary(c => c.Index);
        Assert.All(gather.Report.Candidates, c => Assert.Equal(byIndex[c.Index].Label, c.Label));
        Assert.All(gather.Report.Candidates, c => Assert.Equal(byIndex[c.Index].ArtifactId, c.ArtifactId));

        var single = new WorkflowRunner().Run(Load(Search(), "single"), new RunSettings());
        Assert.Equal(16, _pass.Runs);
        Assert.Equal(single.OutputArtifactId, gather.OutputArtifactId);
        Assert.Equal("a", Onnx.OnnxModel.Load(Path.Combine(_dir.FullName, "shared", "out", "model.onnx")).Proto.DocString);
        foreach (var file in new[] { "model.onnx", "manifest.json", "footprint.json", "model_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir.FullName, "single", "out", file)), File.ReadAllBytes(Path.Combine(_dir.FullName, "shared", "out", file)));
        }

        Assert.Equal(single.Report!.Candidates.Select(c => (c.Index, c.Label, c.GoalsMet, c.Metrics["size-bytes"])), gather.Report.Candidates.Select(c => (c.Index, c.Label, c.GoalsMet, c.Metrics["size-bytes"])));
    }

    [Fact]
    public void A_shard_delivered_twice_reuses_every_pass_and_evaluation_the_first_delivery_wrote()
    {
        var first = new WorkflowRunner().RunShard(Load(Search("sequential"), "shared"), new Shard(1, 2), new RunSettings());
        var progress = new StringWriter();
        var second = new WorkflowRunner().RunShard(Load(Search("sequential"), "shared"), new Shard(1, 2), new RunSettings { Progress = progress });

        Assert.Equal([1, 3, 5, 7], first.Candidates.Select(c => c.Index));
        Assert.Equal(4, _pass.Runs);
        Assert.All(second.Candidates, c => Assert.Equal((0, 1), (c.PassesRun, c.PassesReused)));
        Assert.Equal(first.Candidates.Select(c => c.ArtifactId), second.Candidates.Select(c => c.ArtifactId));
        Assert.Equal(4, progress.ToString().Split('\n').Count(l => l.Contains("from the evaluation cache", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("tpe", "joint", "sampler tpe proposes each candidate from the results of the ones before it")]
    [InlineData("sequential", "pass-by-pass", "execution_order pass-by-pass picks each step's alternative from the results of the step before")]
    public void A_search_whose_next_candidate_depends_on_results_refuses_shards_before_running_anything(string sampler, string order, string why)
    {
        var error = Assert.Throws<ShardException>(() => new WorkflowRunner().RunShard(Load(Search(sampler, order), "shared"), new Shard(0, 2), new RunSettings()));

        Assert.Contains($"--shard 0/2: search_strategy.{why}", error.Message, StringComparison.Ordinal);
        Assert.Contains("without --shard", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _pass.Runs);
    }

    [Fact]
    public void A_shard_refuses_a_recipe_that_cleans_the_shared_cache()
    {
        var error = Assert.Throws<ShardException>(() => new WorkflowRunner().RunShard(Load(Search() + "\nclean_cache: true", "shared"), new Shard(0, 2), new RunSettings()));

        Assert.Contains("clean_cache: true, which would delete what the other workers write", error.Message, StringComparison.Ordinal);
        Assert.Contains("--set clean_cache=false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_without_search_is_one_candidate_that_shard_0_runs()
    {
        const string Fixed = """
            input_model: {type: ONNXModel, model_path: ../relu.onnx}
            passes:
              doc: {type: DocString, text: x}
            """;
        var zero = new WorkflowRunner().RunShard(Load(Fixed, "shared"), new Shard(0, 2), new RunSettings());
        var one = new WorkflowRunner().RunShard(Load(Fixed, "shared"), new Shard(1, 2), new RunSettings());

        Assert.Equal([0], zero.Candidates.Select(c => c.Index));
        Assert.Empty(one.Candidates);
        Assert.Equal(1, _pass.Runs);
    }

    [Theory]
    [InlineData("3", "--shard '3': expected I/N")]
    [InlineData("a/b", "--shard 'a/b': expected I/N")]
    [InlineData("-1/2", "--shard '-1/2': expected I/N")]
    [InlineData("1/2/3", "--shard '1/2/3': expected I/N")]
    [InlineData("0/0", "--shard 0/0: the number of workers must be at least 1")]
    [InlineData("4/4", "--shard 4/4: the index must be below the number of workers (0 to 3)")]
    public void A_malformed_shard_is_refused_with_what_to_write(string text, string message)
    {
        Assert.Null(Shard.Parse(text, out var error));
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_parses_as_index_over_count()
    {
        Assert.Equal(new Shard(3, 4), Shard.Parse("3/4", out var error));
        Assert.Null(error);
    }

    /// <summary>The recipe as <c>&lt;name&gt;/recipe.yaml</c> with its cache and output beside it: runs named alike share a cache.</summary>
    private Recipe Load(string text, string name)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName, "recipe.yaml");
        File.WriteAllText(path, text + "\ncache_dir: cache\noutput_dir: out\n");
        return _loader.Load(path);
    }
}
