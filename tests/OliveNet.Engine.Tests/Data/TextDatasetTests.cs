using System.Text.Json.Nodes;
using OliveNet.Engine.Data;
using OliveNet.Text.Tokenizers;

namespace OliveNet.Engine.Tests.Data;

/// <summary>Text and JSONL data tokenized with the committed KJV model's real tokenizer.json (byte-level, EOS 257).</summary>
public sealed class TextDatasetTests : IDisposable
{
    private static readonly string Checkpoint = Path.Combine(Root(), "tests", "fixtures", "llm", "kjv-llama");
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-text-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Tokenizer Kjv => Tokenizer.Load(Path.Combine(Checkpoint, "tokenizer.json"));

    [Fact]
    public void Join_concatenates_documents_with_eos_and_scores_disjoint_windows()
    {
        var a = File("a.txt", "In the beginning\r\nGod created");
        var b = File("b.txt", "the heaven and the earth.");
        var (data, _) = TextDataset.Load(Config("text_files", new() { ["data_files"] = new JsonArray(a, b) }, new() { ["max_length"] = 16, ["eos_token_id"] = 257 }), Checkpoint);

        // CRLF is read as LF, so documents do not depend on the platform that wrote them.
        int[] expected = [.. Kjv.Encode("In the beginning\nGod created"), 257, .. Kjv.Encode("the heaven and the earth.")];
        Assert.Equal(expected, Assert.Single(data.Streams));
        Assert.Equal((16, 16), (data.Window, data.Stride));
    }

    [Fact]
    public void Sliding_keeps_the_joined_stream_with_the_given_or_half_window_stride_and_max_tokens_truncates()
    {
        var text = File("t.txt", "And God said, Let there be light: and there was light.");
        var sliding = new JsonObject { ["max_length"] = 12, ["strategy"] = "sliding", ["stride"] = 5, ["max_tokens"] = 20 };
        var (data, _) = TextDataset.Load(Config("text_files", new() { ["data_files"] = text }, sliding), Checkpoint);
        Assert.Equal(Kjv.Encode("And God said, Let there be light: and there was light.")[..20], Assert.Single(data.Streams));
        Assert.Equal((12, 5), (data.Window, data.Stride));

        var (halves, _) = TextDataset.Load(Config("text_files", new() { ["data_files"] = text }, new() { ["max_length"] = 12, ["strategy"] = "sliding" }), Checkpoint);
        Assert.Equal(6, halves.Stride);
    }

    [Fact]
    public void Jsonl_line_by_line_gives_one_stream_per_record_from_the_named_field_and_the_hash_follows_the_text()
    {
        var records = File("r.jsonl", "{\"body\": \"Jesus wept.\", \"id\": 1}\n\n{\"body\": \"Rejoice evermore.\"}\n");
        var pre = new JsonObject { ["max_length"] = 8, ["strategy"] = "line-by-line" };
        var (data, hash) = TextDataset.Load(Config("jsonl", new() { ["data_files"] = records, ["field"] = "body" }, pre), Checkpoint);
        Assert.Equal([Kjv.Encode("Jesus wept."), Kjv.Encode("Rejoice evermore.")], data.Streams);

        System.IO.File.WriteAllText(records, "{\"body\": \"Jesus wept!\"}\n{\"body\": \"Rejoice evermore.\"}\n");
        var (_, changed) = TextDataset.Load(Config("jsonl", new() { ["data_files"] = records, ["field"] = "body" }, (JsonObject)pre.DeepClone()), Checkpoint);
        Assert.NotEqual(hash, changed);
    }

    [Fact]
    public void Problems_are_one_line_errors_naming_the_config_and_what_to_set()
    {
        var records = File("r.jsonl", "{\"text\": \"Pray without ceasing.\"}\n");
        var text = File("t.txt", "Quench not the Spirit.");
        var twoDocs = new JsonArray(text, File("u.txt", "Despise not prophesyings."));
        var blank = File("blank.txt", " \n\n");
        (DataConfigSpec Config, string Expected)[] cases =
        [
            (Config("text_files", new() { ["data_files"] = Path.Combine(_dir.FullName, "missing.txt") }, new() { ["max_length"] = 8 }), "missing.txt does not exist"),
            (Config("jsonl", new() { ["data_files"] = records, ["field"] = "body" }, new() { ["max_length"] = 8 }), "has no text field 'body'"),
            (Config("text_files", new() { ["data_files"] = blank }, new() { ["max_length"] = 8 }), "the text is empty"),
            (Config("text_files", new() { ["data_files"] = twoDocs }, new() { ["max_length"] = 8 }), "set params.eos_token_id"),
            (Config("text_files", new() { ["data_files"] = text }, []), "params.max_length is required"),
            (Config("text_files", new() { ["data_files"] = text }, new() { ["max_length"] = 8, ["strategy"] = "sliding", ["stride"] = 9 }), "params.stride must be from 1 to max_length"),
            (Config("text_files", new() { ["data_files"] = text }, new() { ["max_length"] = 8, ["tokenizer"] = Path.Combine(_dir.FullName, "none.json") }), "set params.tokenizer"),
        ];
        foreach (var (config, expected) in cases)
        {
            var error = Assert.Throws<DataException>(() => TextDataset.Load(config, Checkpoint));
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.StartsWith("data_configs.text", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    private static DataConfigSpec Config(string type, JsonObject load, JsonObject pre) =>
        new("text", new DataComponent(type, load), new DataComponent(TextDataset.TokenizeType, pre), null, null, $"{type}:{load.ToJsonString()}:{pre.ToJsonString()}");

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("OliveNet.sln not found above the test binaries");
    }
}
