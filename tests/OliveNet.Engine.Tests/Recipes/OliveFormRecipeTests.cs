using OliveNet.Engine.Data;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Runtime;

namespace OliveNet.Engine.Tests.Recipes;

/// <summary>
/// Recipes written in Olive's own forms (as in microsoft/olive-recipes) read as Olive reads them, and each root cause of a
/// refusal reported once. The recipes are small ones written for these tests in those forms.
/// </summary>
public sealed class OliveFormRecipeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-oliveform-");
    private readonly RecipeLoader _loader = new(new PassRegistry([new DocStringPass()]));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_dummy_data_container_without_component_types_reads_olive_list_shapes_and_loads_32_samples()
    {
        var recipe = Load("""
            data_configs:
              - name: dummy
                type: DummyDataContainer
                load_dataset_config:
                  input_shapes: [[1, 2, 3]]
                  input_names: [x]
                  input_types: [float32]
            """);

        var config = recipe.DataConfigs["dummy"];
        Assert.Equal("dummy_dataset", config.Load.Type);
        Assert.Equal("default_dataloader", config.DataLoader!.Type);
        var data = DataPipeline.Load(config, [Input("x", TensorElementType.Float, -1, 2, 3)]);
        Assert.Equal(32, data.Batches.Count);
        Assert.All(data.Batches, b => Assert.Equal([1, 2, 3], b.Inputs["x"].Shape));
    }

    [Fact]
    public void Olive_list_shapes_without_names_go_to_the_model_inputs_by_position()
    {
        var recipe = Load("""
            data_configs:
              - name: dummy
                load_dataset_config: {type: dummy_dataset, params: {input_shapes: [[2, 3], [2]], max_samples: 3}}
            """);

        var data = DataPipeline.Load(recipe.DataConfigs["dummy"], [Input("a", TensorElementType.Float, -1, 3), Input("b", TensorElementType.Int64, -1)]);

        Assert.Equal(3, data.Batches.Count);
        Assert.Equal([2, 3], data.Batches[0].Inputs["a"].Shape);
        Assert.Equal([2], data.Batches[0].Inputs["b"].Shape);
        Assert.Equal(TensorElementType.Int64, data.Batches[0].Inputs["b"].Type);
    }

    [Fact]
    public void Dummy_parameters_that_cannot_work_are_refused_by_validation_not_at_run_time()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: dummy
                type: DummyDataContainer
                load_dataset_config: {input_shapes: [[1, 2, 3]], input_names: [x, y]}
            """));

        var only = Assert.Single(error.Errors);
        Assert.Equal("data_configs.dummy.load_dataset_config", only.KeyPath);
        Assert.Contains("input_names has 2 names for 1 input_shapes", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_container_default_that_is_not_built_in_is_one_error_and_references_to_that_config_are_not_another()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: glue
                type: HuggingfaceContainer
                load_dataset_config: {data_name: glue, subset: mrpc, split: validation}
                dataloader_config: {batch_size: 1}
            evaluators:
              e:
                metrics:
                  - {name: lat, type: latency, data_config: glue, sub_types: [{name: avg}]}
            evaluator: e
            """));

        var only = Assert.Single(error.Errors);
        Assert.Equal("data_configs.glue.load_dataset_config.type", only.KeyPath);
        Assert.Contains("Olive's default for this container, 'huggingface_dataset', is not built in", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_latency_metric_without_data_is_measured_on_inputs_built_from_the_model()
    {
        var recipe = Load("""
            evaluators:
              e:
                metrics:
                  - name: latency
                    type: latency
                    warmup_num: 3
                    sub_types: [{name: avg, priority: 1}]
            evaluator: e
            """);

        var metric = Assert.Single(recipe.Evaluator!.Metrics);
        Assert.Equal("model_inputs", metric.DataConfig);
        Assert.Equal("dummy_dataset", recipe.DataConfigs["model_inputs"].Load.Type);
        Assert.Equal(3, metric.UserConfig["warmup_num"]!.GetValue<long>());
        Assert.Contains(recipe.Notes, n => n.Contains("no data_config, so latency is measured on seeded random inputs", StringComparison.Ordinal));
    }

    [Fact]
    public void Auroc_is_an_accuracy_sub_type_and_a_refused_sub_type_is_not_also_a_priority_error()
    {
        var recipe = Load("""
            data_configs:
              - name: d
                load_dataset_config: {type: tensor_folder, params: {data_dir: samples}}
            evaluators:
              e:
                metrics:
                  - {name: acc, type: accuracy, data_config: d, sub_types: [{name: auroc, priority: 1, metric_config: {task: binary}}]}
            evaluator: e
            """);
        Assert.Equal("auroc", Assert.Single(Assert.Single(recipe.Evaluator!.Metrics).SubTypes).Name);

        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: d
                load_dataset_config: {type: tensor_folder, params: {data_dir: samples}}
            evaluators:
              e:
                metrics:
                  - {name: acc, type: accuracy, backend: huggingface_metrics, data_config: d, sub_types: [{name: accuracy, priority: 1}, {name: f1_score, priority: 2}]}
            evaluator: e
            """));
        var only = Assert.Single(error.Errors).Message;
        Assert.Contains("'accuracy' is not a accuracy sub-type", only, StringComparison.Ordinal);
        Assert.Contains("with backend: huggingface_metrics it names a Hugging Face evaluate metric", only, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_dir_null_means_the_default_output_folder()
    {
        var recipe = Load("output_dir: null\n");

        Assert.Equal(Path.GetFullPath(Path.Combine("output", "default_workflow")), recipe.OutputDir);
    }

    [Fact]
    public void A_system_of_another_type_is_one_error_not_also_an_undefined_target()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            systems:
              qnn:
                type: PythonEnvironment
                python_environment_path: /opt/qnn/bin
                accelerators: [{device: npu, execution_providers: [QNNExecutionProvider]}]
            target: qnn
            """));

        var only = Assert.Single(error.Errors);
        Assert.Equal("systems.qnn.type", only.KeyPath);
        Assert.Contains("does not use Python environments", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Olive_model_types_are_case_insensitive_in_refusals_too()
    {
        var path = Path.Combine(_dir.FullName, "torch.yaml");
        File.WriteAllText(path, "input_model: {type: PytorchModel, model_path: model.pt}\npasses:\n  doc: {type: DocString}\n");

        var error = Assert.Throws<RecipeException>(() => _loader.Load(path));

        Assert.Contains("'PytorchModel' inputs are not supported by OliveNet", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_azureml_registry_model_path_is_refused_as_a_remote_resource_and_a_file_resource_names_the_plain_form()
    {
        // olive-recipes' deberta-base-mnli/aml recipe names its model in the AzureML registry.
        var path = Path.Combine(_dir.FullName, "aml.json");
        File.WriteAllText(path, """
            {"input_model": {"type": "HfModel", "model_path": {"type": "azureml_registry_model", "registry_name": "azureml", "name": "microsoft-deberta-base-mnli", "version": "15"}},
             "passes": {"doc": {"type": "DocString"}}}
            """);
        var error = Assert.Throws<RecipeException>(() => _loader.Load(path));
        var only = Assert.Single(error.Errors);
        Assert.Equal("input_model.model_path", only.KeyPath);
        Assert.StartsWith("is an Olive resource path (azureml_registry_model); AzureML models and other remote resources are not supported", only.Message, StringComparison.Ordinal);

        File.WriteAllText(path, """{"input_model": {"type": "ONNXModel", "model_path": {"type": "file", "config": {"path": "relu.onnx"}}}, "passes": {"doc": {"type": "DocString"}}}""");
        error = Assert.Throws<RecipeException>(() => _loader.Load(path));
        Assert.Contains("write the path itself, model_path: <file or folder>", Assert.Single(error.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_evaluator_without_metrics_measures_nothing_as_in_olive()
    {
        // olive-recipes' aitk workflows write evaluators: {common_evaluator: {}}; Olive's metrics default to [].
        var recipe = Load("""
            evaluators:
              common_evaluator: {}
            evaluator: common_evaluator
            """);

        Assert.Null(recipe.Evaluator);
        Assert.Contains(recipe.Notes, n => n.StartsWith("evaluators.common_evaluator has no metrics (Olive allows that and measures nothing)", StringComparison.Ordinal));
    }

    [Fact]
    public void Another_evaluator_type_is_one_error_not_one_per_key_and_lm_evaluator_keys_are_its_own()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            evaluators:
              mteb: {type: MTEBEvaluator, tasks: [STS17, NFCorpus], batch_size: 32}
            evaluator: mteb
            """));
        Assert.Equal("evaluators.mteb.type", Assert.Single(error.Errors).KeyPath);

        // LMEvaluator's own keys are read (batch_size, max_length, provider_options are no errors); a task OliveNet does
        // not run is the one error.
        error = Assert.Throws<RecipeException>(() => Load("""
            evaluators:
              lm: {type: LMEvaluator, tasks: [hellaswag], batch_size: 1, max_length: 2048, provider_options: {x: "1"}}
            evaluator: lm
            """));
        var only = Assert.Single(error.Errors);
        Assert.Equal("evaluators.lm.tasks[0]", only.KeyPath);
        Assert.Contains("'hellaswag' is not an lm-eval task OliveNet runs", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_passes_key_is_reported_once_as_the_typo()
    {
        var path = Path.Combine(_dir.FullName, "typo.yaml");
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"), overwrite: true);
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\npases:\n  doc: {type: DocString}\n");

        var error = Assert.Throws<RecipeException>(() => _loader.Load(path));

        var only = Assert.Single(error.Errors);
        Assert.Equal("pases: unknown key (did you mean passes?)", $"{only.KeyPath}: {only.Message}");
    }

    [Fact]
    public void A_misspelt_key_given_with_set_points_at_set_and_suggests_the_key()
    {
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"), overwrite: true);
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\npasses:\n  doc: {type: DocString}\n");

        var error = Assert.Throws<RecipeException>(() => _loader.Load(path, ["passes.doc.repet=2", "ouput_dir=out"]));

        Assert.Equal(2, error.Errors.Count);
        Assert.All(error.Errors, e => Assert.Equal("--set", e.File));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.doc.repet" && e.Message.Contains("did you mean repeat?", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "ouput_dir" && e.Message.Contains("did you mean output_dir?", StringComparison.Ordinal));
    }

    [Fact]
    public void A_truncated_input_model_is_refused_by_validation()
    {
        var bytes = File.ReadAllBytes(Fixtures.ConformanceModel("test_relu"));
        File.WriteAllBytes(Path.Combine(_dir.FullName, "cut.onnx"), bytes[..(bytes.Length / 2)]);
        File.WriteAllText(Path.Combine(_dir.FullName, "text.onnx"), "not a model");
        foreach (var name in new[] { "cut.onnx", "text.onnx" })
        {
            var path = Path.Combine(_dir.FullName, "recipe.yaml");
            File.WriteAllText(path, $"input_model: {{type: ONNXModel, model_path: {name}}}\npasses:\n  doc: {{type: DocString}}\n");

            var error = Assert.Throws<RecipeException>(() => _loader.Load(path));

            var only = Assert.Single(error.Errors);
            Assert.Equal("input_model.model_path", only.KeyPath);
            Assert.Contains($"'{name}' is not a readable ONNX model", only.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_olive_pass_oliveNet_lacks_is_told_apart_from_a_misspelling()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            passes:
              g: {type: slicegpt}
              v: {type: OpenVINOConversion}
              c: {type: OnnxConversion}
              d: {type: DocStrin}
              r: {type: QuaRot, rotate_mode: hadamard}
              s: {type: StaticLLM, batch_size: 1, context_length: 64}
              m: {type: MobiusBuilder, precision: fp32}
            """));

        Assert.Contains(error.Errors, e => e.KeyPath == "passes.g.type" && e.Message.StartsWith("'SliceGPT' is an Olive pass OliveNet does not support yet", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.v.type" && e.Message.StartsWith("'OpenVINOConversion' is out of OliveNet's scope: it runs Intel's OpenVINO toolchain", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.c.type" && e.Message.StartsWith("'OnnxConversion' is out of OliveNet's scope: it exports PyTorch modules", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.d.type" && e.Message.Contains("is not a pass OliveNet has (did you mean DocString?)", StringComparison.Ordinal));
        // Only QNN/NPU recipes of olive-recipes use QuaRot and StaticLLM; gemma-4's CPU recipes use MobiusBuilder (the mobius Python package).
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.r.type" && e.Message.StartsWith("'QuaRot' is out of OliveNet's scope: it rotates a PyTorch model's weights", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.s.type" && e.Message.StartsWith("'StaticLLM' is out of OliveNet's scope: it splits or fixes the shapes of an LLM for NPU runtimes", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.m.type" && e.Message.StartsWith("'MobiusBuilder' is out of OliveNet's scope: it builds ONNX packages", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_option_problem_of_a_pass_is_listed_not_just_the_first()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            passes:
              doc: {type: DocString, colour: red, text: [a], repeat: 0}
            """));

        Assert.Contains(error.Errors, e => e.KeyPath == "passes.doc.colour" && e.Message.StartsWith("is not an option of this pass", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.doc.text" && e.Message.StartsWith("is a list around one value", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.KeyPath == "passes.doc" && e.Message == "repeat: must be at least 1");
        Assert.Equal(3, error.Errors.Count);
    }

    private Recipe Load(string text)
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"), overwrite: true);
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "samples"));
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        var passes = text.Contains("passes:", StringComparison.Ordinal) ? string.Empty : "passes:\n  doc: {type: DocString}\n";
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\n" + passes + text);
        return _loader.Load(path);
    }

    private static NodeMetadata Input(string name, TensorElementType type, params long[] shape) =>
        new(name, OnnxValueType.Tensor, type, shape, shape.Select(_ => string.Empty).ToArray());
}
