#:package Parquet.Net
// Writes a Hugging Face hub cache (the layout huggingface_hub keeps) holding stand-ins of the two hub datasets Olive's
// CPU language-model recipes read by default, so that sweep.py --hub-cache can run those recipes as written:
//   Salesforce/wikitext  wikitext-2-raw-v1/train   Gptq / SelectiveMixedPrecision calibration (Olive's default):
//                                                  the lines of pipelines/data/kjv/genesis-1-4.txt, one row each
//   cais/mmlu            all/test, all/dev         LMEvaluator tasks [mmlu]: pipelines/data/kjv/genesis-mmlu.jsonl
// Usage (from the repository root): dotnet run bench/olive-recipes/hub-standins.cs OUT_DIR
// The texts are real, but they are not wikitext or MMLU: scores on them say nothing about a model.
using System.Text.Json;
using Parquet;
using Parquet.Schema;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run bench/olive-recipes/hub-standins.cs OUT_DIR");
    return 2;
}

var hub = Path.GetFullPath(args[0]);
var data = Path.Combine("pipelines", "data", "kjv");
var text = new DataField<string>("text");
await Write(hub, "Salesforce/wikitext", "wikitext-2-raw-v1/train-00000-of-00001.parquet", new ParquetSchema(text), async group =>
    await group.WriteAsync(text, File.ReadAllLines(Path.Combine(data, "genesis-1-4.txt"))));

var rows = File.ReadLines(Path.Combine(data, "genesis-mmlu.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
foreach (var split in new[] { "test", "dev" })
{
    var part = rows.Where(r => r.GetProperty("split").GetString() == split).ToList();
    var question = new DataField<string>("question");
    var subject = new DataField<string>("subject");
    var choices = new ListField("choices", new DataField<string>("item"));
    var answer = new DataField<long>("answer");
    await Write(hub, "cais/mmlu", $"all/{split}-00000-of-00001.parquet", new ParquetSchema(question, subject, choices, answer), async group =>
    {
        await group.WriteAsync(question, part.Select(r => r.GetProperty("question").GetString()).ToArray());
        await group.WriteAsync(subject, part.Select(r => r.GetProperty("subject").GetString()).ToArray());
        var items = part.Select(r => r.GetProperty("choices").EnumerateArray().Select(c => c.GetString()).ToArray()).ToList();
        await group.WriteAsync((DataField)choices.Item, items.SelectMany(c => c).ToArray(), items.SelectMany(c => c.Select((_, i) => i == 0 ? 0 : 1)).ToArray());
        await group.WriteAsync(answer, new ReadOnlyMemory<long>(part.Select(r => r.GetProperty("answer").GetInt64()).ToArray()));
    });
}

Console.WriteLine($"wrote {hub}: Salesforce/wikitext (wikitext-2-raw-v1 train), cais/mmlu (all test, dev); use HF_HUB_CACHE={hub}");
return 0;

static async Task Write(string hub, string dataset, string file, ParquetSchema schema, Func<ParquetRowGroupWriter, Task> columns)
{
    const string Revision = "0000000000000000000000000000000000000000";
    var repo = Path.Combine(hub, "datasets--" + dataset.Replace("/", "--", StringComparison.Ordinal));
    Directory.CreateDirectory(Path.Combine(repo, "refs"));
    File.WriteAllText(Path.Combine(repo, "refs", "main"), Revision);
    var path = Path.Combine(repo, "snapshots", Revision, file);
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    await using var stream = File.Create(path);
    await using var writer = await ParquetWriter.CreateAsync(schema, stream);
    using var group = writer.CreateRowGroup();
    await columns(group);
}
