using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Tests.Recipes;

/// <summary>How data configs, evaluators, goals and search spaces are read, and the errors a user sees.</summary>
public sealed class EvaluationRecipeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-evalrecipe-");
    private readonly RecipeLoader _loader = new(new PassRegistry([new DocStringPass()]));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Metrics_goals_and_option_lists_become_an_evaluator_and_a_search_space()
    {
        var recipe = Load("""
            data_configs:
              - name: d
                load_dataset_config: {type: image_folder, params: {data_dir: imgs, label_from: folder}}
            evaluators:
              e:
                metrics:
                  - {name: acc, type: accuracy, data_config: d, sub_types: [{name: accuracy_score, priority: 1, goal: {type: max-degradation, value: 0.01}}, {name: cer}]}
                  - {name: lat, type: latency, data_config: d, sub_types: [{name: p90, priority: 2}]}
            evaluator: e
            search_strategy: {sampler: tpe, include_pass_params: false}
            passes:
              doc: {type: DocString, text: [a, b], repeat: [1, 2, 3]}
            """);

        Assert.Equal(6, recipe.Passes[0].Alternatives.Count);
        Assert.Equal("tpe", recipe.Search!.Sampler);
        var subs = recipe.Evaluator!.SubMetrics.ToList();
        Assert.Equal(["acc-accuracy_score", "acc-cer", "lat-p90"], subs.Select(s => s.Key));
        Assert.False(subs[1].Sub.HigherIsBetter);
        Assert.False(subs[1].Sub.Ranked);
        Assert.False(subs[2].Sub.HigherIsBetter);
        Assert.Equal(Path.Combine(_dir.FullName, "imgs"), recipe.DataConfigs["d"].Load.Params["data_dir"]!.GetValue<string>());
    }

    [Fact]
    public void Evaluation_mistakes_are_named_with_their_key()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: d
                load_dataset_config: {type: image_foldr}
            evaluators:
              e:
                metrics:
                  - {name: acc, type: acuracy, data_config: d, sub_types: [{name: accuracy_score}]}
                  - {name: lat, type: latency, data_config: nope, sub_types: [{name: p91}]}
                  - {name: size, type: size_on_disk, sub_types: [{name: bytes, priority: 1, goal: {type: min-improvement, value: -3}}]}
            evaluator: e
            passes:
              doc: {type: DocString, text: [a, b]}
            """));

        var messages = error.Errors.Select(e => $"{e.KeyPath}: {e.Message}").ToList();
        Assert.Contains(messages, m => m.StartsWith("data_configs.d.load_dataset_config.type: 'image_foldr' is not built in (did you mean image_folder?)", StringComparison.Ordinal));
        // One cause, one error: the config with the wrong load type is neither "missing" its load nor "not a data config".
        Assert.DoesNotContain(messages, m => m.StartsWith("data_configs.d.load_dataset_config: is required", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("'d' is not a data config", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("evaluators.e.metrics.acc.type: 'acuracy' is not a metric type (did you mean accuracy?)", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("evaluators.e.metrics.lat.data_config: 'nope' is not a data config", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("'p91' is not a latency sub-type", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("goal value must be 0 or more", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("passes.doc.text: lists 2 values, which is a search space", StringComparison.Ordinal));
    }

    [Fact]
    public void Ranked_sub_types_need_unique_priorities_and_search_needs_an_evaluator()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            evaluators:
              e:
                metrics:
                  - {name: size, type: size_on_disk, sub_types: [{name: bytes, priority: 2}]}
            evaluator: e
            passes:
              doc: {type: DocString}
            """));
        Assert.Contains(error.Errors, e => e.Message.Contains("unique priorities 1..N; got 2", StringComparison.Ordinal));

        var noEvaluator = Assert.Throws<RecipeException>(() => Load("""
            search_strategy: true
            passes:
              doc: [{type: DocString}, {type: DocString, text: x}]
            """));
        Assert.Contains(noEvaluator.Errors, e => e.KeyPath == "search_strategy" && e.Message.Contains("needs an evaluator", StringComparison.Ordinal));
    }

    private Recipe Load(string text)
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"), overwrite: true);
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\n" + text);
        return _loader.Load(path);
    }
}
