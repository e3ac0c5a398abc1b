using OliveNet.Engine.Data.Speech;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Tests.Recipes;

/// <summary>Olive's whisper_eval_wer data config and metric, read offline.</summary>
public sealed class SpeechRecipeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-speechrecipe-");
    private readonly RecipeLoader _loader = new(new PassRegistry([new DocStringPass()]));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Olives_whisper_eval_shape_on_a_local_audiofolder_reads_with_wer_lower_and_rtfx_higher_is_better()
    {
        var recipe = Load("""
            data_configs:
              - name: librispeech_clean
                type: HuggingfaceContainer
                load_dataset_config: {type: huggingface_dataset, params: {data_name: audiofolder, data_dir: clips, split: test}}
                pre_process_data_config: {type: speech_transcription_pre_process, params: {audio_col: audio, text_col: text, sample_rate: 16000, max_samples: 64}}
            evaluators:
              e:
                metrics:
                  - name: speech_accuracy
                    type: accuracy
                    data_config: librispeech_clean
                    sub_types:
                      - {name: wer, priority: 1, goal: {type: max-degradation, value: 0.02}}
                      - {name: rtfx, priority: 2}
            evaluator: e
            """);

        var config = recipe.DataConfigs["librispeech_clean"];
        Assert.True(SpeechDataset.IsSpeech(config));
        Assert.Equal(Path.Combine(_dir.FullName, "clips"), config.Load.Params["data_dir"]!.GetValue<string>());
        var subs = recipe.Evaluator!.SubMetrics.ToList();
        Assert.Equal(["speech_accuracy-wer", "speech_accuracy-rtfx"], subs.Select(s => s.Key));
        Assert.False(subs[0].Sub.HigherIsBetter);
        Assert.True(subs[1].Sub.HigherIsBetter);
    }

    [Fact]
    public void A_local_folder_as_data_name_is_read_as_an_audiofolder_as_load_dataset_does()
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "clips"));
        var recipe = Load("""
            data_configs:
              - name: s
                type: HuggingfaceContainer
                load_dataset_config: {data_name: clips}
                pre_process_data_config: {type: speech_transcription_pre_process}
            evaluators:
              e:
                metrics:
                  - {name: speech, type: accuracy, data_config: s, sub_types: [{name: wer}]}
            evaluator: e
            """);

        var load = recipe.DataConfigs["s"].Load;
        Assert.Equal(("huggingface_dataset", "audiofolder"), (load.Type, load.Params["data_name"]!.GetValue<string>()));
        Assert.Equal(Path.Combine(_dir.FullName, "clips"), load.Params["data_dir"]!.GetValue<string>());
    }

    [Fact]
    public void A_hub_speech_dataset_is_one_error_that_says_how_to_use_a_local_audiofolder()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: librispeech_clean
                type: HuggingfaceContainer
                load_dataset_config: {type: huggingface_dataset, params: {data_name: hf-audio/esb-datasets-test-only-sorted, subset: librispeech, split: test.clean}}
                pre_process_data_config: {type: speech_transcription_pre_process, params: {sample_rate: 16000}}
            evaluators:
              e:
                metrics:
                  - {name: speech_accuracy, type: accuracy, data_config: librispeech_clean, sub_types: [{name: wer}, {name: rtfx}]}
            evaluator: e
            """));

        var only = Assert.Single(error.Errors);
        Assert.Equal("data_configs.librispeech_clean.load_dataset_config.type", only.KeyPath);
        Assert.Contains("'huggingface_dataset' is read only for data_name audiofolder", only.Message, StringComparison.Ordinal);
        Assert.Contains("hub dataset ('hf-audio/esb-datasets-test-only-sorted') cannot be loaded", only.Message, StringComparison.Ordinal);
        Assert.Contains("{data_name: audiofolder, data_dir: <folder>}", only.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_audiofolder_without_data_dir_is_refused_at_load()
    {
        var error = Assert.Throws<RecipeException>(() => Load("""
            data_configs:
              - name: s
                load_dataset_config: {type: huggingface_dataset, params: {data_name: audiofolder}}
                pre_process_data_config: {type: speech_transcription_pre_process}
            """));

        Assert.Contains(error.Errors, e => e.KeyPath == "data_configs.s.load_dataset_config" && e.Message.Contains("needs params.data_dir", StringComparison.Ordinal));
    }

    private Recipe Load(string text)
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"), overwrite: true);
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, "input_model: {type: ONNXModel, model_path: relu.onnx}\n" + text);
        return _loader.Load(path);
    }
}
