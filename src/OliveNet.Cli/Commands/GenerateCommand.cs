using System.CommandLine;
using System.Globalization;
using OliveNet.Engine.Data;
using OliveNet.Engine.Evaluation.LlamaCpp;
using OliveNet.Runtime.Generation;
using OliveNet.Text.Templates;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet generate &lt;model_dir&gt; --prompt …</c>: streams a completion from a GenAI-layout model or a GGUF file.</summary>
internal static class GenerateCommand
{
    private const string Help = """
        Generate text with a language model exported in the ONNX Runtime GenAI layout (a folder with
        genai_config.json, the decoder .onnx named there, tokenizer.json and, for --chat, tokenizer_config.json),
        run by ONNX Runtime GenAI; or with a GGUF file (GgufExport's output folder, or the .gguf itself with
        tokenizer.json beside it), run in-process by llama.cpp (LLamaSharp, CPU). Prompts are encoded by OliveNet's
        tokenizer as Hugging Face encodes them (a BOS token only where tokenizer.json's post-processor adds one).
        Text streams to stdout as it is generated; prefill and decode speed are printed to stderr at the end.
        Greedy by default; --temperature above 0 samples (with --top-k / --top-p), reproducibly for a given --seed.

        Examples:
          olivenet generate ./qwen3-int4 --prompt "The capital of France is" --max-tokens 32
          olivenet generate ./qwen3-int4 --chat --system "Answer briefly." --prompt "Why is the sky blue?"
          olivenet generate ./qwen3-int4 -p "Once upon a time" --temperature 0.8 --top-p 0.95 --seed 7
          olivenet generate ./qwen3-q4km/model.gguf -p "The capital of France is" -n 32
        """;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("model_dir") { Description = "Folder with genai_config.json, the decoder ONNX file and tokenizer.json; or a GGUF file (or a folder with one) and tokenizer.json beside it." };
        var prompt = new Option<string>("--prompt", "-p") { Description = "The text to continue, or with --chat the user message.", Required = true };
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt in the model's chat template (tokenizer_config.json) with a generation prompt." };
        var system = new Option<string?>("--system") { Description = "A system message (with --chat)." };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most tokens to generate (fewer when the model's context length fills first).", DefaultValueFactory = _ => 128 };
        var temperature = new Option<float?>("--temperature") { Description = "0 or unset: greedy. Above 0: sample with this temperature." };
        var topK = new Option<int?>("--top-k") { Description = "Sample among the k most likely tokens (0 = all). Default: genai_config.json (50)." };
        var topP = new Option<float?>("--top-p") { Description = "Sample among the smallest set of tokens with this total probability. Default: genai_config.json (1.0)." };
        var penalty = new Option<float?>("--repetition-penalty") { Description = "Above 1 discourages repeating tokens already in the text." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads", "-t") { Description = "Threads; 0: the runtime's choice (ONNX Runtime's; llama.cpp: one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", Help) { model, prompt, chat, system, maxTokens, temperature, topK, topP, penalty, seed, threads };
        command.SetAction(parse => Guard(error, () =>
        {
            var directory = parse.GetValue(model)!;
            var gguf = GgufPath(directory);
            if (gguf is not null)
            {
                directory = Path.GetDirectoryName(Path.GetFullPath(gguf))!;
            }

            if (gguf is null && IsWhisper(directory))
            {
                throw new GenerationException($"{directory} is a Whisper (speech-to-text) model; transcribe audio with: olivenet transcribe {directory} FILE.wav");
            }

            var (modelTokenizer, chatTemplate) = LanguageModel.LoadText(directory);
            var tokenizer = modelTokenizer ?? throw new GenerationException(
                $"{directory} has no tokenizer.json; copy the tokenizer the model was exported with (tokenizer.json, tokenizer_config.json) next to {(gguf is null ? "genai_config.json" : Path.GetFileName(gguf))}.");
            var text = parse.GetValue(prompt)!;
            int[] ids;
            if (parse.GetValue(chat))
            {
                var template = chatTemplate ?? throw new GenerationException(
                    $"{directory} has no chat template (tokenizer_config.json with chat_template); run without --chat or add the model's tokenizer_config.json.");
                var messages = new List<ChatMessage>();
                if (parse.GetValue(system) is { } systemText)
                {
                    messages.Add(new ChatMessage("system", systemText));
                }

                messages.Add(new ChatMessage("user", text));
                ids = tokenizer.Encode(template.Apply(messages, addGenerationPrompt: true));
            }
            else
            {
                ids = tokenizer.Encode(text, addSpecialTokens: true);
            }

            if (gguf is not null)
            {
                return GenerateGguf(gguf, ids, tokenizer, parse, (maxTokens, temperature, topK, topP, penalty, seed, threads), output, error);
            }

            using var language = GenAILanguageModel.Load(directory, parse.GetValue(threads));
            var search = language.Config.Search;
            var sampling = parse.GetValue(temperature) is > 0;
            var options = search with
            {
                MaxNewTokens = Math.Max(1, parse.GetValue(maxTokens)),
                DoSample = sampling,
                Temperature = parse.GetValue(temperature) is { } t and > 0 ? t : search.Temperature,
                TopK = parse.GetValue(topK) ?? search.TopK,
                TopP = parse.GetValue(topP) ?? search.TopP,
                RepetitionPenalty = parse.GetValue(penalty) ?? search.RepetitionPenalty,
                Seed = parse.GetValue(seed),
            };
            var stream = new TokenStreamDecoder(tokenizer, skipSpecialTokens: true);
            var result = language.Generate(ids, options, id =>
            {
                // An id past the tokenizer (padding rows of a larger embedding) has no text.
                if (tokenizer.IdToToken(id) is not null)
                {
                    output.Write(stream.Push(id));
                    output.Flush();
                }
            });
            output.WriteLine(stream.Flush());
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"prefill: {result.PromptTokens} tokens in {result.Prefill.TotalMilliseconds:F1} ms ({result.PrefillTokensPerSecond:F1} tokens/s) · decode: {result.Tokens.Count} tokens in {result.Decode.TotalMilliseconds:F1} ms ({result.DecodeTokensPerSecond:F1} tokens/s) · stopped: {StopText(result, options, language.Config)}"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Whether the folder's genai_config.json is a Whisper model's (GenAI type whisper).</summary>
    private static bool IsWhisper(string directory)
    {
        var path = Path.Combine(directory, "genai_config.json");
        try
        {
            return File.Exists(path) && System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?["model"]?["type"]?.GetValue<string>() == "whisper";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The GGUF file <paramref name="path"/> names: itself, or the one .gguf in a folder without genai_config.json; else null.</summary>
    private static string? GgufPath(string path)
    {
        if (File.Exists(path))
        {
            return path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? path
                : throw new GenerationException($"{path} is a file but not a .gguf; give a GGUF file or a folder with genai_config.json.");
        }

        if (!Directory.Exists(path) || File.Exists(Path.Combine(path, "genai_config.json")))
        {
            return null;
        }

        var files = Directory.GetFiles(path, "*.gguf");
        return files.Length switch
        {
            0 => null,
            1 => files[0],
            _ => throw new GenerationException($"{path} holds {files.Length} .gguf files ({string.Join(", ", files.Select(Path.GetFileName).Order(StringComparer.Ordinal))}); name the one to run."),
        };
    }

    private static int GenerateGguf(
        string path,
        int[] ids,
        Tokenizer tokenizer,
        ParseResult parse,
        (Option<int> MaxTokens, Option<float?> Temperature, Option<int?> TopK, Option<float?> TopP, Option<float?> Penalty, Option<ulong> Seed, Option<int> Threads) o,
        TextWriter output,
        TextWriter error)
    {
        var maxTokens = Math.Max(1, parse.GetValue(o.MaxTokens));
        GgufLanguageModel language;
        try
        {
            // Context: the prompt and the tokens asked for, within the model's trained length (llama.cpp caps it there).
            language = GgufLanguageModel.Load(path, ids.Length + maxTokens, "generate", parse.GetValue(o.Threads), trainedAtMost: true);
        }
        catch (DataException e)
        {
            throw new GenerationException(e.Message);
        }

        using (language)
        {
            var sampling = parse.GetValue(o.Temperature) is { } t and > 0
                ? new GgufSampling(t, parse.GetValue(o.TopK) ?? 50, parse.GetValue(o.TopP) ?? 1f, parse.GetValue(o.Penalty) ?? 1f, (uint)parse.GetValue(o.Seed))
                : null;
            var stream = new TokenStreamDecoder(tokenizer, skipSpecialTokens: true);
            GgufGeneration result;
            try
            {
                result = language.Generate(ids, maxTokens, sampling, id =>
                {
                    if (tokenizer.IdToToken(id) is not null)
                    {
                        output.Write(stream.Push(id));
                        output.Flush();
                    }
                });
            }
            catch (DataException e)
            {
                throw new GenerationException(e.Message);
            }

            output.WriteLine(stream.Flush());
            var stopped = result.Reason switch
            {
                GgufStop.EndOfGeneration => "end-of-sequence token",
                GgufStop.MaxTokens => $"--max-tokens {maxTokens} reached",
                _ => $"the context length ({result.ContextLength} tokens: {result.PromptTokens} prompt + {result.Tokens.Count} generated) is full",
            };
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"prefill: {result.PromptTokens} tokens in {result.Prefill.TotalMilliseconds:F1} ms ({result.PrefillTokensPerSecond:F1} tokens/s) · decode: {result.Tokens.Count} tokens in {result.Decode.TotalMilliseconds:F1} ms ({result.DecodeTokensPerSecond:F1} tokens/s) · stopped: {stopped} · llama.cpp"));
            return ExitCodes.Ok;
        }
    }

    /// <summary>Why generation stopped, naming the limit that did it: the model's context length is not --max-tokens.</summary>
    private static string StopText(GenerationResult result, GenerationOptions options, GenAIConfig config)
    {
        var total = result.PromptTokens + result.Tokens.Count;
        return result.Reason == StopReason.StopToken ? "end-of-sequence token"
            : result.Tokens.Count >= options.MaxNewTokens ? $"--max-tokens {options.MaxNewTokens} reached"
            : total >= config.ContextLength ? $"the model's context length ({config.ContextLength} tokens: {result.PromptTokens} prompt + {result.Tokens.Count} generated) is full"
            : config.Search.MaxLength is { } max && total >= max ? $"genai_config.json's search.max_length ({max} tokens) reached"
            : "length limit";
    }

    private static int Guard(TextWriter error, Func<int> body) => CommandErrors.Guard(error, () =>
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is GenerationException or TokenizerException or TemplateException)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitCodes.InvalidInput;
        }
    });
}
