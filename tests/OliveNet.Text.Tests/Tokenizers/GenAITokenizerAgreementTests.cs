using OliveNet.Text.Tokenizers;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace OliveNet.Text.Tests.Tokenizers;

/// <summary>
/// Our tokenizer against ONNX Runtime GenAI's on every line of the 1 MB Brown corpus and the multilingual sample, the
/// agreement reported per tokenizer. GenAI's Encode adds no special tokens, so ours runs with addSpecialTokens: false.
/// Where the two differ, ours must be Hugging Face's (npm tokenizers, the reference of the other agreement tests): the
/// difference is then GenAI's. GenAI loads a tokenizer only from a folder with a genai_config.json, so the test writes a
/// minimal one beside copies of the tokenizer files.
/// </summary>
public sealed class GenAITokenizerAgreementTests(Xunit.Abstractions.ITestOutputHelper log)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var tokenizer in new[] { "qwen3", "llama3", "mistral", "gemma3" })
        {
            foreach (var text in new[] { "brown", "multilingual" })
            {
                data.Add(tokenizer, text);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ids_agree_with_onnx_runtime_genai_on_every_line(string name, string text)
    {
        var json = name switch
        {
            "qwen3" => TokenizerFixtures.Qwen3Json,
            "llama3" => TokenizerFixtures.Llama3Json,
            "mistral" => TokenizerFixtures.MistralJson,
            _ => TokenizerFixtures.Gemma3Json,
        };
        var folder = Path.Combine(Path.GetTempPath(), $"olivenet-genai-tokenizer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(json, Path.Combine(folder, "tokenizer.json"));
            var config = Path.Combine(Path.GetDirectoryName(json)!, "tokenizer_config.json");
            if (File.Exists(config))
            {
                File.Copy(config, Path.Combine(folder, "tokenizer_config.json"));
            }

            File.WriteAllText(Path.Combine(folder, "genai_config.json"), MinimalGenAIConfig);
            var ours = Tokenizer.Load(json);
            using var theirs = new GenAI.Tokenizer(folder);
            var textPath = TokenizerFixtures.TextPath(text);
            var lines = TokenizerFixtures.Lines(textPath);
            var reference = TokenizerFixtures.ReferenceIds(json, textPath);
            int compared = 0, agree = 0;
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }

                compared++;
                var a = ours.Encode(lines[i], addSpecialTokens: false);
                using var sequences = theirs.Encode(lines[i]);
                var b = sequences[0].ToArray();
                if (a.AsSpan().SequenceEqual(b))
                {
                    agree++;
                    continue;
                }

                log.WriteLine($"{name}, {text} line {i + 1} differs: '{lines[i]}'\n  ours = Hugging Face [{string.Join(' ', a)}]\n  GenAI [{string.Join(' ', b)}]");
                Assert.True(a.AsSpan().SequenceEqual(reference[i]), $"{name} on {text}, line {i + 1}: ours differs from GenAI and from Hugging Face's reference");
            }

            log.WriteLine($"{name} on {text}: {agree}/{compared} lines identical to GenAI ({100.0 * agree / compared:F2} %)");
            // Differences are rare corners (normalization, escapes); most lines must agree or the comparison proves little.
            Assert.True(agree >= compared - 2, $"{name} on {text}: only {agree} of {compared} lines agree with GenAI");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // GenAI reads the tokenizer files beside genai_config.json; the decoder section must exist but is not opened.
    private const string MinimalGenAIConfig = """
        {"model": {"type": "llama", "vocab_size": 32000, "context_length": 2048, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
          "decoder": {"filename": "unused.onnx", "head_size": 64, "hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 1,
            "num_key_value_heads": 8, "inputs": {"input_ids": "input_ids"}, "outputs": {"logits": "logits"}}},
         "search": {"max_length": 2048}}
        """;
}
