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

    [Fact]
    public void GenAI_transcribes_a_wav_file_through_its_own_log_mel_features_as_our_cached_decoding_of_them()
    {
        using var temp = new TempFolder();
        var folder = Export(temp.Path);
        var reference = Reference.Load();
        var wav = Path.Combine(temp.Path, "tone.wav");
        WriteWav(wav, 16000, 2.0);

        using var model = GenAISpeechModel.Load(folder);
        const int NewTokens = 6;
        var result = model.Transcribe(wav, GenAISpeechModel.EnglishTranscriptionPrompt, reference.Prompt.Length + NewTokens);
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
