using System.Text.Json.Nodes;
using OliveNet.Passes.Export;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;

namespace OliveNet.Passes.Tests.Export;

/// <summary>
/// ModelBuilder's Whisper export (encoder.onnx + model.onnx, genai_config.json of type whisper) on the tiny
/// random-weight fixture of <c>tests/fixtures/hf/whisper.py</c>: the encoder and decoder run through our ORT binding
/// against the fixture's independent float64 forward; decoding with the self-attention cache equals the whole
/// sequence; ONNX Runtime GenAI 0.20 loads the folder and greedy-decodes the reference chain from the same features,
/// and transcribes a wav file through its own log-mel extraction exactly as our cached ORT decoding of its features.
/// </summary>
public sealed class WhisperExportTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // fp32 vs float64: every value goes through a few dozen dot products (conv1: 240 terms, attention over 1500
    // positions, d_model 64 projections) and O(1) LayerNorm-ed activations; float32 rounding (2^-24 relative per
    // operation) accumulated over ~10 such reductions per layer and 2 + 2 layers stays near 1e-6 of the values' scale
    // (measured about 1e-6, see the log). 1e-4 of the scale (the decoder fixtures' logits bound) leaves 100x margin
    // and still catches any wrong weight, bias, scale or mask, which moves values by a sizeable fraction of the scale.
    private const double Fp32Tolerance = 1e-4;

    // "Activated." in Allison's voice, 8 kHz mono PCM.
    private const string AsteriskWav = "/usr/share/asterisk/sounds/en_US_f_Allison/activated.wav";

    [Fact]
    public void Encoder_hidden_states_and_decoder_logits_match_the_float64_reference_and_cached_decoding_equals_the_whole_sequence()
    {
        using var temp = new TempFolder();
        var folder = Export(temp.Path);
        var reference = Reference.Load();
        var (hidden, cross) = RunEncoder(folder, reference.Features, reference.Mels);

        var encoderError = MaxError(hidden, reference.Encoder);
        var encoderScale = reference.Encoder.Max(Math.Abs);
        log.WriteLine($"encoder hidden states: max |fp32 - float64| = {encoderError:E3} (scale {encoderScale:F3})");
        Assert.True(encoderError <= Fp32Tolerance * encoderScale, $"encoder max error {encoderError:E3} > {Fp32Tolerance * encoderScale:E3}");

        using var decoder = new WhisperDecoder(folder, cross);
        var whole = decoder.Step(reference.Ids);
        var logitError = MaxError(whole, reference.Logits);
        var logitScale = reference.Logits.Max(v => Math.Abs((double)v));
        log.WriteLine($"decoder logits ({reference.Ids.Length} tokens): max |fp32 - float64| = {logitError:E3} (scale {logitScale:F3})");
        Assert.True(logitError <= Fp32Tolerance * logitScale, $"decoder logits max error {logitError:E3} > {Fp32Tolerance * logitScale:E3}");

        // The prompt as one step, then one token per step with the growing self-attention cache: the same logits as
        // the whole sequence at once (both fp32 graphs; only accumulation order differs).
        decoder.Reset();
        var prompt = reference.Prompt.Length;
        var cached = new List<float>(decoder.Step(reference.Ids[..prompt]));
        for (var t = prompt; t < reference.Ids.Length; t++)
        {
            cached.AddRange(decoder.Step(reference.Ids[t..(t + 1)]));
        }

        var cacheError = MaxError([.. cached], whole);
        log.WriteLine($"cached vs whole-sequence logits: max difference {cacheError:E3}");
        Assert.True(cacheError <= Fp32Tolerance * logitScale, $"cached decoding differs from the whole sequence by {cacheError:E3}");
    }

    [Fact]
    public void GenAI_loads_the_export_and_greedy_decodes_the_reference_chain_from_the_same_features()
    {
        using var temp = new TempFolder();
        var folder = Export(temp.Path);
        var reference = Reference.Load();

        // Each step's top-two gap in the float64 reference is far above the fp32 error bound, so the argmax is exact.
        var bound = Fp32Tolerance * reference.Logits.Max(v => Math.Abs((double)v));
        Assert.All(reference.Gaps, gap => Assert.True(gap > 2 * bound, $"reference gap {gap} is within the fp32 bound {bound}"));

        using var model = GenAISpeechModel.Load(folder);
        var result = model.Transcribe(reference.Features, reference.Mels, reference.Prompt, reference.Prompt.Length + reference.Chain.Length);
        log.WriteLine($"GenAI tokens {string.Join(' ', result.Tokens)}; reference {string.Join(' ', reference.Chain)}");
        Assert.Equal(reference.Prompt, result.Sequence[..reference.Prompt.Length]);
        Assert.Equal(reference.Chain, result.Tokens);
    }

    /// <summary>
    /// int8 / int4 (MatMulNBits on every projection and the LM head, blocks of 32, asymmetric, accuracy_level 4 as
    /// Olive's CPU recipes set it): logits stay close to the float64 reference and GenAI decodes the export. Bounds:
    /// round-to-nearest leaves each weight within half a step of its block's range (a 32-weight Gaussian block spans
    /// about ±2.1σ, so a step is 4.2σ/255 in 8 bits, 4.2σ/15 in 4), an RMS error of step/√12 ≈ 0.5% of σ (int8) or 8%
    /// (int4) per weight, uncorrelated across each d_model-term sum, so a projection's output moves by that fraction;
    /// accuracy_level 4 also rounds activations to int8 (another ~0.5%). About ten projections in sequence (2 + 2
    /// layers and the head) add up as a random walk, √10 ≈ 3 times one: ~2% (int8) and ~25% (int4) of the logits' RMS.
    /// Bounds of twice that (4%, 40%; measured 1.4% and 15%, see the log) still fail on a wrong scale, zero point or
    /// block layout, which put the error near 100%.
    /// </summary>
    [Theory]
    [InlineData("int8", 0.04)]
    [InlineData("int4", 0.40)]
    public void Quantized_exports_use_matmulnbits_on_every_projection_stay_near_the_reference_and_decode_in_genai(string precision, double bound)
    {
        using var temp = new TempFolder();
        ModelBuilderPass.Export(HfFixtures.Checkpoint("whisper"), temp.Path, new ExportSettings(precision, 32, false, 4, false, false), TextWriter.Null, default);
        var reference = Reference.Load();
        int Count(string file, string op) => OliveNet.Onnx.OnnxModel.Load(Path.Combine(temp.Path, file)).Proto.Graph.Node.Count(n => n.OpType == op);

        // Encoder: 2 layers x (q, k, v, out, fc1, fc2) + 2 decoder layers x cross (k, v); decoder: 2 x (self q, k, v, out,
        // cross q, out, fc1, fc2) + the LM head. No float MatMul on a weight is left (the rest multiply activations).
        Assert.Equal(16, Count("encoder.onnx", "MatMulNBits"));
        Assert.Equal(17, Count("model.onnx", "MatMulNBits"));

        var (_, cross) = RunEncoder(temp.Path, reference.Features, reference.Mels);
        using var decoder = new WhisperDecoder(temp.Path, cross);
        var logits = decoder.Step(reference.Ids);
        var rms = Math.Sqrt(reference.Logits.Average(v => (double)v * v));
        var error = Math.Sqrt(logits.Select((v, i) => Math.Pow(v - reference.Logits[i], 2)).Average());
        log.WriteLine($"{precision}: RMS logit error {error:F4} = {error / rms:P2} of the reference RMS {rms:F3}");
        Assert.True(error <= bound * rms, $"{precision}: RMS logit error {error / rms:P2} > {bound:P0}");

        using var model = GenAISpeechModel.Load(temp.Path);
        var result = model.Transcribe(reference.Features, reference.Mels, reference.Prompt, reference.Prompt.Length + 4);
        log.WriteLine($"{precision}: GenAI tokens {string.Join(' ', result.Tokens)}; reference {string.Join(' ', reference.Chain)}");
        Assert.Equal(4, result.Tokens.Length);
    }

    /// <summary>A generated 16 kHz tone, and real speech at 8 kHz (Debian's asterisk-core-sounds-en-wav), which GenAI's audio decoder resamples.</summary>
    [Theory]
    [InlineData("tone.wav")]
    [InlineData(AsteriskWav)]
    public void GenAI_transcribes_a_wav_file_through_its_own_log_mel_features_as_our_cached_decoding_of_them(string audio)
    {
        using var temp = new TempFolder();
        var folder = Export(temp.Path);
        var reference = Reference.Load();
        var wav = audio;
        if (audio == "tone.wav")
        {
            wav = Path.Combine(temp.Path, audio);
            WriteWav(wav, 16000, 2.0);
        }

        Assert.True(File.Exists(wav), $"{wav} is missing; install it with: apt-get install -y asterisk-core-sounds-en-wav");

        using var model = GenAISpeechModel.Load(folder);
        const int NewTokens = 6;
        var result = model.Transcribe(wav, GenAISpeechModel.MultilingualPrompt, reference.Prompt.Length + NewTokens);
        log.WriteLine($"GenAI: '{result.Text}' tokens {string.Join(' ', result.Tokens)}; features min {result.Features.Min():F3} max {result.Features.Max():F3}");

        // GenAI's tokenizer turned the prompt text into Whisper's special-token ids.
        Assert.Equal(reference.Prompt, result.Sequence[..reference.Prompt.Length]);
        Assert.Equal(reference.Mels * 3000, result.Features.Length);

        // Whisper's log-mel normalisation: log10 power floored at (max - 8), then (x + 4) / 4 — a range of at most 2.
        Assert.InRange(result.Features.Max() - result.Features.Min(), 1.0, 2.0 + 1e-4);
        Assert.Equal(NewTokens, result.Tokens.Length);

        // Our ORT run of the exported graphs, greedy with the cache, on the features GenAI computed.
        var (_, cross) = RunEncoder(folder, result.Features, reference.Mels);
        using var decoder = new WhisperDecoder(folder, cross);
        var ids = reference.Prompt.ToList();
        var logits = decoder.Step([.. ids]);
        var vocab = reference.Vocab;
        for (var t = 0; t < NewTokens; t++)
        {
            var last = logits.AsSpan(logits.Length - vocab, vocab);
            var next = ArgMax(last);
            Assert.Equal(next, result.Tokens[t]);
            ids.Add(next);
            logits = decoder.Step([next]);
        }
    }

    [Fact]
    public void Genai_config_names_both_models_and_the_io_genai_binds_and_the_audio_processor_makes_the_checkpoint_mels()
    {
        using var temp = new TempFolder();
        var folder = Export(temp.Path);
        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!;
        Assert.Equal("whisper", model["type"]!.GetValue<string>());
        Assert.Equal(256, model["eos_token_id"]!.GetValue<int>());
        Assert.Equal(64, model["context_length"]!.GetValue<int>());
        var decoder = model["decoder"]!;
        Assert.Equal("model.onnx", decoder["filename"]!.GetValue<string>());
        Assert.Equal("past_key_cross_%d", decoder["inputs"]!["cross_past_key_names"]!.GetValue<string>());
        Assert.Equal("present_value_self_%d", decoder["outputs"]!["present_value_names"]!.GetValue<string>());
        Assert.Equal(16, decoder["head_size"]!.GetValue<int>());
        var encoder = model["encoder"]!;
        Assert.Equal("encoder.onnx", encoder["filename"]!.GetValue<string>());
        Assert.Equal("hidden_states", encoder["outputs"]!["encoder_hidden_states"]!.GetValue<string>());
        Assert.Equal("present_key_cross_%d", encoder["outputs"]!["cross_present_key_names"]!.GetValue<string>());
        var search = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["search"]!;
        Assert.False(search["past_present_share_buffer"]!.GetValue<bool>());

        // Every name genai_config.json promises is a graph input or output of the file it names.
        using var encoderSession = new InferenceSession(Path.Combine(folder, "encoder.onnx"));
        using var decoderSession = new InferenceSession(Path.Combine(folder, "model.onnx"));
        Assert.Contains(encoderSession.Inputs, i => i.Name == "audio_features");
        Assert.Contains(encoderSession.Outputs, o => o.Name == "present_value_cross_1");
        Assert.Contains(decoderSession.Inputs, i => i.Name == "past_value_cross_1" && i.Shape[2] == 1500);
        Assert.Contains(decoderSession.Inputs, i => i.Name == "input_ids" && i.ElementType == TensorElementType.Int32);
        Assert.Contains(decoderSession.Outputs, o => o.Name == "present_key_self_1");

        var mel = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "audio_processor_config.json")))!["feature_extraction"]!["sequence"]!.AsArray();
        Assert.Equal(["AudioDecoder", "STFTNorm", "LogMelSpectrum"], mel.Select(o => o!["operation"]!["type"]!.GetValue<string>()));
        Assert.Equal(80, mel[2]!["operation"]!["attrs"]!["n_mel"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(folder, "preprocessor_config.json")));
    }

    [Fact]
    public void Gguf_export_refuses_whisper_at_run_time_in_one_line()
    {
        using var temp = new TempFolder();
        var e = Assert.Throws<ExportException>(() => OliveNet.Passes.Gguf.GgufExporter.Export(HfFixtures.Checkpoint("whisper"), Path.Combine(temp.Path, "m.gguf"), "Q4_0", TextWriter.Null, default));
        Assert.Contains("GgufExport does not write Whisper", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(Path.Combine(temp.Path, "m.gguf")));
    }

    [Fact]
    public void The_export_is_byte_identical_across_runs()
    {
        using var temp = new TempFolder();
        var first = Export(Path.Combine(temp.Path, "a"));
        var second = Export(Path.Combine(temp.Path, "b"));
        var files = Directory.GetFiles(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, Directory.GetFiles(second).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("encoder.onnx", files);
        Assert.All(files, f => Assert.True(File.ReadAllBytes(Path.Combine(first, f!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second, f!))), f));
    }

    private static string Export(string output)
    {
        ModelBuilderPass.Export(HfFixtures.Checkpoint("whisper"), output, new ExportSettings("fp32", 32, true, 4, false, false), TextWriter.Null, default);
        return output;
    }

    private static (float[] Hidden, List<float[]> Cross) RunEncoder(string folder, float[] features, int mels)
    {
        using var session = new InferenceSession(Path.Combine(folder, "encoder.onnx"));
        using var input = OrtValue.CreateTensor<float>(features, [1, mels, features.Length / mels]);
        using var outputs = session.Run([KeyValuePair.Create("audio_features", input)]);
        var layers = session.Outputs.Count(o => o.Name.StartsWith("present_key_cross_", StringComparison.Ordinal));
        var cross = new List<float[]>();
        for (var i = 0; i < layers; i++)
        {
            cross.Add(outputs[$"present_key_cross_{i}"].GetTensorData<float>().ToArray());
            cross.Add(outputs[$"present_value_cross_{i}"].GetTensorData<float>().ToArray());
        }

        return (outputs["hidden_states"].GetTensorData<float>().ToArray(), cross);
    }

    private static double MaxError(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        return actual.Select((v, i) => Math.Abs(v - expected[i])).Max();
    }

    private static double MaxError(float[] actual, float[] expected) => MaxError(actual, expected.Select(v => (double)v).ToArray());

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }

    /// <summary>A 16-bit mono PCM wav of a 440 Hz tone with a slow 3 Hz tremolo (deterministic).</summary>
    private static void WriteWav(string path, int rate, double seconds)
    {
        var samples = (int)(rate * seconds);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(rate);
        writer.Write(rate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            var t = i / (double)rate;
            writer.Write((short)(12000 * Math.Sin(2 * Math.PI * 440 * t) * (0.6 + (0.4 * Math.Sin(2 * Math.PI * 3 * t)))));
        }
    }

    /// <summary>The decoder with its self-attention cache (batch 1), fed the encoder's cross K/V.</summary>
    private sealed class WhisperDecoder : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly List<float[]> _cross;
        private readonly int _layers;
        private readonly int _heads;
        private readonly int _size;
        private readonly List<float[]> _cache = [];
        private long _past;

        public WhisperDecoder(string folder, List<float[]> cross)
        {
            var genai = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "genai_config.json")))!["model"]!["decoder"]!;
            _layers = genai["num_hidden_layers"]!.GetValue<int>();
            _heads = genai["num_attention_heads"]!.GetValue<int>();
            _size = genai["head_size"]!.GetValue<int>();
            _session = new InferenceSession(Path.Combine(folder, "model.onnx"));
            _cross = cross;
            Reset();
        }

        public void Reset()
        {
            _cache.Clear();
            for (var i = 0; i < 2 * _layers; i++)
            {
                _cache.Add([]);
            }

            _past = 0;
        }

        public float[] Step(int[] ids)
        {
            var values = new List<OrtValue>();
            try
            {
                var inputs = new List<KeyValuePair<string, OrtValue>>();
                void Add(string name, OrtValue v)
                {
                    values.Add(v);
                    inputs.Add(KeyValuePair.Create(name, v));
                }

                Add("input_ids", OrtValue.CreateTensor<int>(ids, [1, ids.Length]));
                var positions = _cross[0].Length / (_heads * _size);
                for (var i = 0; i < _layers; i++)
                {
                    Add($"past_key_self_{i}", OrtValue.CreateTensor<float>(_cache[2 * i], [1, _heads, _past, _size]));
                    Add($"past_value_self_{i}", OrtValue.CreateTensor<float>(_cache[(2 * i) + 1], [1, _heads, _past, _size]));
                    Add($"past_key_cross_{i}", OrtValue.CreateTensor<float>(_cross[2 * i], [1, _heads, positions, _size]));
                    Add($"past_value_cross_{i}", OrtValue.CreateTensor<float>(_cross[(2 * i) + 1], [1, _heads, positions, _size]));
                }

                using var outputs = _session.Run(inputs);
                for (var i = 0; i < _layers; i++)
                {
                    _cache[2 * i] = outputs[$"present_key_self_{i}"].GetTensorData<float>().ToArray();
                    _cache[(2 * i) + 1] = outputs[$"present_value_self_{i}"].GetTensorData<float>().ToArray();
                }

                _past += ids.Length;
                return outputs["logits"].GetTensorData<float>().ToArray();
            }
            finally
            {
                values.ForEach(v => v.Dispose());
            }
        }

        public void Dispose() => _session.Dispose();
    }

    /// <summary>The fixture's float64 reference (reference.json, reference_features.f32, reference_encoder.f64).</summary>
    private sealed record Reference(int Mels, int Vocab, float[] Features, double[] Encoder, int[] Ids, float[] Logits, int[] Prompt, int[] Chain, double[] Gaps)
    {
        public static Reference Load()
        {
            var folder = HfFixtures.Checkpoint("whisper");
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "reference.json")))!;
            var features = File.ReadAllBytes(Path.Combine(folder, "reference_features.f32"));
            var encoder = File.ReadAllBytes(Path.Combine(folder, "reference_encoder.f64"));
            int[] Ints(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
            return new Reference(
                json["mels"]!.GetValue<int>(),
                json["vocab_size"]!.GetValue<int>(),
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(features).ToArray(),
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(encoder).ToArray(),
                Ints(json["input_ids"]),
                json["logits"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray(),
                Ints(json["greedy"]!["prompt"]),
                Ints(json["greedy"]!["tokens"]),
                json["greedy"]!["gaps"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
        }
    }
}
