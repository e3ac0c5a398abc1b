using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Tests.Recipes;

public sealed class RecipeLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-recipe-");
    private readonly RecipeLoader _loader = new(new PassRegistry([new DocStringPass(), new GpuOnlyPass()]));

    public RecipeLoaderTests()
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void An_olive_style_recipe_loads_with_engine_keys_nested_and_pass_params_under_config()
    {
        var recipe = Load("""
            input_model:
              type: ONNXModel
              config:
                model_path: relu.onnx
            systems:
              local:
                type: LocalSystem
                config:
                  accelerators:
                    - device: cpu
                      execution_providers: [CPUExecutionProvider]
            passes:
              doc:
                type: docstring
                config:
                  text: hello
                  repeat: 2
            engine:
              target: local
              cache_dir: my-cache
              output_dir: out
            """);

        Assert.Equal("default_workflow", recipe.WorkflowId);
        Assert.Equal(Path.Combine(_dir.FullName, "relu.onnx"), recipe.InputModel.Path);
        Assert.Equal(Path.Combine(_dir.FullName, "my-cache"), recipe.CacheDir);
        Assert.Equal(new Target("cpu", "CPUExecutionProvider"), recipe.Target);
        var choice = Assert.Single(Assert.Single(recipe.Passes).Alternatives);
        Assert.Equal(new DocStringOptions { Text = "hello", Repeat = 2 }, choice.Options);
        Assert.Equal("""{"fail":false,"repeat":2,"text":"hello"}""", choice.CanonicalOptions);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_line_column_and_a_suggestion()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            input_model:
              type: ONNXModel
              model_path: relu.onnx
            pases: {}
            passes:
              doc:
                type: DocStrin
              doc2:
                type: DocString
                repet: 3
              doc3:
                type: DocString
                repeat: many
            """));

        var messages = error.Errors.Select(e => e.ToString()).ToList();
        Assert.Equal(4, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("pases: unknown key (did you mean passes?)", StringComparison.Ordinal) && m.EndsWith(":4:1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("passes.doc.type: 'DocStrin' is not a pass OliveNet has (did you mean DocString?)", StringComparison.Ordinal) && m.EndsWith(":7:11", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("passes.doc2.repet: is not an option of this pass (did you mean repeat?)", StringComparison.Ordinal) && m.EndsWith(":10:12", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("passes.doc3.repeat: expected an integer, got 'many'", StringComparison.Ordinal) && m.EndsWith(":13:13", StringComparison.Ordinal));
    }

    [Fact]
    public void Python_scripts_docker_systems_and_search_without_an_evaluator_are_refused_naming_the_key()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            systems:
              box: {type: Docker, image_name: x}
            data_configs:
              - name: calib
                user_script: imagenet.py
            search_strategy: {execution_order: joint, sampler: tpe}
            passes:
              doc: {type: DocString}
            """));

        var byKey = error.Errors.ToDictionary(e => e.KeyPath);
        Assert.Contains("Docker", byKey["systems.box.type"].Message, StringComparison.Ordinal);
        Assert.Contains("Python", byKey["data_configs[0].user_script"].Message, StringComparison.Ordinal);
        Assert.Contains("needs an evaluator", byKey["search_strategy"].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hub_model_id_without_a_local_snapshot_is_not_available_offline()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            input_model: {type: HfModel, model_path: Qwen/Qwen3-0.6B-not-cached-here}
            passes:
              doc: {type: DocString}
            """));

        Assert.Contains("not available offline", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_references_are_expanded_and_an_unset_one_is_an_error()
    {
        var env = new Dictionary<string, string?> { ["MODEL"] = "relu.onnx" };
        const string Text = """
            input_model: {type: ONNXModel, model_path: "${MODEL}"}
            output_dir: ${OUT_DIR:-default-out}
            passes:
              doc: {type: DocString, text: "${GREETING}"}
            """;

        var error = Assert.Throws<RecipeException>(() => Load(Text, environment: env));
        Assert.Equal("passes.doc.text", Assert.Single(error.Errors).KeyPath);
        Assert.Contains("GREETING is not set", error.Errors[0].Message, StringComparison.Ordinal);

        env["GREETING"] = "hi";
        var recipe = Load(Text, environment: env);
        Assert.Equal(Path.Combine(_dir.FullName, "default-out"), recipe.OutputDir);
        Assert.Equal("hi", ((DocStringOptions)recipe.Passes[0].Alternatives[0].Options).Text);
    }

    [Fact]
    public void Set_overrides_apply_before_validation_and_their_errors_name_the_override()
    {
        const string Text = """
            input_model: {type: ONNXModel, model_path: relu.onnx}
            passes:
              doc: {type: DocString}
            """;

        var recipe = Load(Text, overrides: ["passes.doc.repeat=4", "workflow_id=release"]);
        Assert.Equal(4, ((DocStringOptions)recipe.Passes[0].Alternatives[0].Options).Repeat);
        Assert.Equal("release", recipe.WorkflowId);

        var error = Assert.Throws<RecipeException>(() => Load(Text, overrides: ["passes.doc.repeat=0"]));
        Assert.Contains("repeat: must be at least 1", error.Errors[0].Message, StringComparison.Ordinal);
        var bad = Assert.Throws<RecipeException>(() => Load(Text, overrides: ["passes.doc.repet=2"]));
        Assert.Equal("--set", bad.Errors[0].File);
    }

    [Fact]
    public void A_json_recipe_loads_like_yaml()
    {
        var path = Path.Combine(_dir.FullName, "recipe.json");
        File.WriteAllText(path, """{"input_model": {"type": "ONNXModel", "model_path": "relu.onnx"}, "passes": {"doc": {"type": "DocString", "repeat": 3}}}""");

        var recipe = _loader.Load(path);

        Assert.Equal(3, ((DocStringOptions)recipe.Passes[0].Alternatives[0].Options).Repeat);
    }

    [Fact]
    public void A_pass_that_cannot_serve_the_target_is_refused_before_running()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            input_model: {type: ONNXModel, model_path: relu.onnx}
            passes:
              gpu: {type: GpuOnly}
            """));

        Assert.Contains(error.Errors, e => e.Message.Contains("supports devices gpu, but the target device is cpu", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_model_file_names_where_it_looked()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            input_model: {type: ONNXModel, model_path: nope.onnx}
            passes:
              doc: {type: DocString}
            """));

        Assert.Contains(Path.Combine(_dir.FullName, "nope.onnx"), Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    private Recipe Load(string text, IReadOnlyList<string>? overrides = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, text);
        return _loader.Load(path, overrides, environment ?? new Dictionary<string, string?>());
    }
}
