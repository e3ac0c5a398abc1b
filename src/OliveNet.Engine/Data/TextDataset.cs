using System.Security.Cryptography;
using System.Text.Json;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Engine.Data;

/// <summary>
/// Token streams for language-model metrics (perplexity): what <see cref="TextDataset"/> makes of text files or JSONL
/// records. Each stream is scored with windows of <see cref="Window"/> tokens starting every <see cref="Stride"/> tokens.
/// </summary>
/// <param name="Streams">Token id sequences, each at least 2 ids long.</param>
/// <param name="Window">Tokens per forward pass (the <c>max_length</c>).</param>
/// <param name="Stride">Tokens between window starts; equal to <see cref="Window"/> for disjoint chunks.</param>
public sealed record TextData(IReadOnlyList<int[]> Streams, int Window, int Stride)
{
    /// <summary>Total tokens over every stream.</summary>
    public long Tokens => Streams.Sum(s => (long)s.Length);
}

/// <summary>
/// The text loads (<c>text_files</c>: each file one document; <c>jsonl</c>: each line's <c>field</c> one document) and
/// their <c>tokenize_text</c> pre-process: the tokenizer (default: tokenizer.json in the evaluated model's folder, where
/// ModelBuilder copies it), <c>max_length</c> and the strategy — <c>join</c> (documents concatenated with EOS between
/// them, cut into disjoint chunks of max_length), <c>sliding</c> (the joined stream, windows every <c>stride</c> tokens)
/// or <c>line-by-line</c> (each document on its own, in chunks of max_length).
/// </summary>
public static class TextDataset
{
    /// <summary>Load types that read text.</summary>
    public static IReadOnlyList<string> LoadTypes { get; } = ["text_files", "jsonl"];

    /// <summary>The pre-process type that tokenizes text.</summary>
    public const string TokenizeType = "tokenize_text";

    /// <summary>Whether a data config reads text.</summary>
    public static bool IsText(DataConfigSpec config) => LoadTypes.Contains(config.Load.Type);

    /// <summary>Reads and tokenizes the text of <paramref name="config"/> for the model in <paramref name="modelFolder"/>.</summary>
    /// <param name="config">A data config whose load type is in <see cref="LoadTypes"/>.</param>
    /// <param name="modelFolder">The evaluated model's folder: default tokenizer, EOS id (genai_config.json) and context length.</param>
    /// <param name="defaultWindow">max_length when the config gives none and the folder has no genai_config.json (a Hugging Face checkpoint).</param>
    /// <param name="defaultEos">The end-of-sequence id joining documents in the same case.</param>
    /// <exception cref="DataException">A missing file or field, empty text, a missing tokenizer, or a bad parameter.</exception>
    public static (TextData Data, string Sha256) Load(DataConfigSpec config, string modelFolder, int? defaultWindow = null, int? defaultEos = null)
    {
        var where = $"data_configs.{config.Name}";
        var load = new ComponentParams($"{where}.load_dataset_config", config.Load.Params);
        if (config.PreProcess is { Type: not TokenizeType } other)
        {
            throw new DataException($"{where}.pre_process_data_config: type '{other.Type}' does not apply to text; use {TokenizeType}");
        }

        var pre = new ComponentParams($"{where}.pre_process_data_config", config.PreProcess?.Params ?? []);
        var documents = ReadDocuments(config.Load.Type, load);
        if (documents.Count == 0 || documents.All(string.IsNullOrWhiteSpace))
        {
            throw new DataException($"{where}: the text is empty; check {load.Where}.params.data_files");
        }

        var tokenizerPath = pre.String("tokenizer") ?? Path.Combine(modelFolder, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
        {
            throw new DataException($"{pre.Where}: tokenizer {tokenizerPath} does not exist; set params.tokenizer to a tokenizer.json");
        }

        Tokenizer tokenizer;
        try
        {
            tokenizer = Tokenizer.Load(tokenizerPath);
        }
        catch (TokenizerException e)
        {
            throw new DataException($"{pre.Where}: cannot read tokenizer {tokenizerPath} ({e.Message})");
        }

        var genai = ReadGenAI(modelFolder);
        var window = pre.Int("max_length", genai.Context ?? defaultWindow ?? 0);
        if (window < 2)
        {
            throw new DataException($"{pre.Where}: params.max_length is required (at least 2) when the model folder has no genai_config.json context_length");
        }

        var strategy = pre.String("strategy") ?? "join";
        var stride = strategy == "sliding" ? pre.Int("stride", Math.Max(1, window / 2)) : window;
        if (stride < 1 || stride > window)
        {
            throw new DataException($"{pre.Where}: params.stride must be from 1 to max_length ({window}), got {stride}");
        }

        var encoded = documents.Where(d => d.Length > 0).Select(d => tokenizer.Encode(d)).ToList();
        List<int[]> streams;
        if (strategy is "join" or "sliding")
        {
            var eos = pre.Int("eos_token_id", genai.Eos ?? defaultEos ?? -1);
            if (eos < 0 && encoded.Count > 1)
            {
                throw new DataException($"{pre.Where}: joining {encoded.Count} documents needs an end-of-sequence id; set params.eos_token_id (the model folder has no genai_config.json)");
            }

            var joined = new List<int>();
            foreach (var (ids, i) in encoded.Select((ids, i) => (ids, i)))
            {
                if (i > 0)
                {
                    joined.Add(eos);
                }

                joined.AddRange(ids);
            }

            streams = [[.. joined]];
        }
        else if (strategy == "line-by-line")
        {
            streams = encoded;
        }
        else
        {
            throw new DataException($"{pre.Where}: params.strategy '{strategy}' is not join, sliding or line-by-line");
        }

        var maxTokens = pre.Int("max_tokens", 0);
        streams = [.. streams.Select(s => maxTokens > 0 && s.Length > maxTokens ? s[..maxTokens] : s).Where(s => s.Length >= 2)];
        if (streams.Count == 0)
        {
            throw new DataException($"{where}: the text gives fewer than 2 tokens per document, too few to score");
        }

        var data = new TextData(streams, window, stride);
        return (data, Hash(config, data));
    }

    private static List<string> ReadDocuments(string type, ComponentParams p)
    {
        var files = p.Strings("data_files") ?? (p.String("data_file") is { } one ? new[] { one } : null)
            ?? throw new DataException($"{p.Where}: params.data_files is required: a text file or a list of them");
        var documents = new List<string>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new DataException($"{p.Where}: data file {file} does not exist");
            }

            if (type == "text_files")
            {
                documents.Add(File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal));
                continue;
            }

            var field = p.String("field") ?? "text";
            foreach (var (line, number) in File.ReadLines(file).Select((l, i) => (l, i + 1)).Where(x => x.l.Trim().Length > 0))
            {
                documents.Add(Field(line, field, $"{file}:{number}", p.Where));
            }
        }

        return documents;
    }

    private static string Field(string line, string field, string where, string config)
    {
        try
        {
            using var record = JsonDocument.Parse(line);
            return record.RootElement.ValueKind == JsonValueKind.Object && record.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new DataException($"{config}: {where} has no text field '{field}'; set params.field to the record's text key");
        }
        catch (JsonException e)
        {
            throw new DataException($"{config}: {where} is not a JSON record ({e.Message})");
        }
    }

    private static (int? Context, int? Eos) ReadGenAI(string modelFolder)
    {
        var path = Path.Combine(modelFolder, "genai_config.json");
        if (!File.Exists(path))
        {
            return (null, null);
        }

        var config = Runtime.Generation.GenAIConfig.Load(path);
        return (config.ContextLength, config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null);
    }

    private static string Hash(DataConfigSpec config, TextData data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{config.CanonicalJson}\nwindow {data.Window} stride {data.Stride}\n"));
        foreach (var stream in data.Streams)
        {
            sha.AppendData(BitConverter.GetBytes(stream.Length));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(stream.AsSpan()));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
