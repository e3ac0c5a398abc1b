using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Tests.Search;

/// <summary>
/// Search and gating end to end on a real ONNX model (Relu from the ONNX test data) with a real pass that only changes the
/// model's doc_string: its size on disk grows by exactly the text's length, so the best candidate is known in advance.
/// </summary>
public sealed class SearchWorkflowTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-search-");
    private readonly DocStringPass _pass = new();
    private readonly RecipeLoader _loader;

    public SearchWorkflowTests()
    {
        _loader = new RecipeLoader(new PassRegistry([_pass]));
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static string Evaluator(int bytes = 4) => $$$"""
        data_configs:
          - name: random
            load_dataset_config: {type: dummy_dataset, params: {max_samples: 3, seed: 4}}
        evaluators:
          e:
            metrics:
              - name: size
                type: size_on_disk
                sub_types: [{name: bytes, priority: 1, goal: {type: max-degradation, value: {{{bytes}}}}}]
              - name: fidelity
                type: fidelity
                data_config: random
                sub_types: [{name: max_abs}, {name: top1_agreement}]
        evaluator: e
        """;

    [Fact]
    public void A_joint_search_picks_the_smallest_candidate_prunes_the_failing_one_and_publishes_it()
    {
        // The input has no doc_string; a short one adds its text plus a tag byte and a length byte. So "ab" adds 4 bytes and
        // meets "at most 4 bytes more than the input"; "abcdefgh" adds 10 and does not.
        var recipe = Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            search_strategy: {execution_order: joint, sampler: sequential, include_pass_params: false}
            passes:
              doc:
                - {type: DocString, text: [abcdefgh, ab]}
                - {type: DocString, fail: true}
            """);

        var summary = new WorkflowRunner().Run(recipe, new RunSettings());
        var report = summary.Report!;

        Assert.True(summary.Published);
        Assert.Equal(3, report.Candidates.Count);
        Assert.Single(report.Candidates, c => c.Error is not null && c.Error.Contains("asked to fail", StringComparison.Ordinal));
        var best = report.Candidates[report.Best!.Value];
        Assert.Contains("text=ab", best.Label, StringComparison.Ordinal);
        Assert.Equal(report.Baseline!["size-bytes"] + 4, best.Metrics["size-bytes"]);
        Assert.False(report.Candidates.Single(c => c.Label.Contains("abcdefgh", StringComparison.Ordinal)).GoalsMet);
        // The doc string does not change what the model computes: fidelity is perfect.
        Assert.Equal(0, best.Metrics["fidelity-max_abs"]);
        Assert.Equal(1, best.Metrics["fidelity-top1_agreement"]);
        Assert.Equal("ab", Onnx.OnnxModel.Load(Path.Combine(recipe.OutputDir, "model.onnx")).Proto.DocString);
        Assert.Empty(OutputVerifier.Verify(recipe.OutputDir));
    }

    [Fact]
    public void A_fixed_plan_that_misses_a_goal_publishes_nothing_unless_gate_is_off()
    {
        var recipe = Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            passes:
              doc: {type: DocString, text: far-too-long}
            """);

        var summary = new WorkflowRunner().Run(recipe, new RunSettings());

        Assert.False(summary.Published);
        Assert.Equal("goals_not_met", summary.Report!.Outcome);
        Assert.False(File.Exists(Path.Combine(recipe.OutputDir, "model.onnx")));
        Assert.True(File.Exists(Path.Combine(recipe.OutputDir, "junit.xml")));

        var ungated = new WorkflowRunner().Run(Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            gate: false
            passes:
              doc: {type: DocString, text: far-too-long}
            """), new RunSettings());
        Assert.True(ungated.Published);
        Assert.False(ungated.Report!.Candidates[0].GoalsMet);
    }

    [Fact]
    public void Rerunning_reuses_pass_runs_and_cached_evaluations()
    {
        var text = $$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            search_strategy: {sampler: random, seed: 3, include_pass_params: false}
            passes:
              doc: {type: DocString, text: [a, b, c]}
            """;
        var progress = new StringWriter();
        var first = new WorkflowRunner().Run(Load(text), new RunSettings());
        var runs = _pass.Runs;
        var second = new WorkflowRunner().Run(Load(text), new RunSettings { Progress = progress });

        Assert.Equal(runs, _pass.Runs);
        Assert.Contains("2 metric(s) from the evaluation cache", progress.ToString(), StringComparison.Ordinal);
        // The seeded random sampler visits the same order both times.
        Assert.Equal(first.Report!.Candidates.Select(c => c.Label), second.Report!.Candidates.Select(c => c.Label));
    }

    [Theory]
    [InlineData("pass-by-pass", "sequential")]
    [InlineData("joint", "tpe")]
    public void Other_orders_and_samplers_also_find_the_best(string order, string sampler)
    {
        var recipe = Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator(10)}}
            search_strategy: {execution_order: {{order}}, sampler: {{sampler}}, include_pass_params: false}
            passes:
              first: {type: DocString, text: [xxxxxx, x, xxx]}
              second: {type: DocString, repeat: [3, 1, 2]}
            """);

        var report = new WorkflowRunner().Run(recipe, new RunSettings()).Report!;

        // The second pass overwrites the doc string with its own text ("olivenet" × repeat): repeat 1 is smallest, 10 bytes
        // more than the input, which the goal allows.
        var best = report.Candidates[report.Best!.Value];
        Assert.Contains("repeat=1", best.Label, StringComparison.Ordinal);
        Assert.Equal("olivenet", Onnx.OnnxModel.Load(Path.Combine(recipe.OutputDir, "model.onnx")).Proto.DocString);
    }

    [Theory]
    [InlineData("stop_when_goals_met: true", 2, "stop_when_goals_met")]
    [InlineData("max_iter: 1", 1, "max_iter 1 reached")]
    [InlineData("max_samples: 3", 3, "max_samples 3 reached")]
    public void Joint_search_stops_at_its_limits(string limit, int tried, string reason)
    {
        // Sequential order: "abcdefgh" (+10 bytes, misses the goal), then "ab" (+4, meets it), then three more.
        var recipe = Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            search_strategy: {include_pass_params: false, {{limit}}}
            passes:
              doc: {type: DocString, text: [abcdefgh, ab, a, abc, abcd]}
            """);

        var report = new WorkflowRunner().Run(recipe, new RunSettings()).Report!;

        Assert.Equal(tried, report.Candidates.Count);
        Assert.Contains(reason, report.Search!.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_space_above_the_cap_is_refused_before_anything_runs()
    {
        var recipe = Load($$"""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            {{Evaluator()}}
            search_strategy: {max_space_size: 4}
            passes:
              doc: {type: DocString, repeat: [1, 2, 3]}
            """);

        var error = Assert.Throws<WorkflowFailedException>(() => new WorkflowRunner().Run(recipe, new RunSettings()));

        // include_pass_params adds the pass's own candidates for text (a, b): 3 × 2 = 6 points.
        Assert.Contains("the search space has 6 points (doc 6), above search_strategy.max_space_size 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _pass.Runs);
    }

    private Recipe Load(string text)
    {
        var path = Path.Combine(_dir.FullName, $"recipe-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text + $"\ncache_dir: cache\noutput_dir: out-{Guid.NewGuid():N}\n");
        return _loader.Load(path);
    }
}
