using System.Diagnostics;
using System.Text;
using System.Text.Json;
using OliveNet.Text.Tokenizers;

// Usage: TokenizerBench <tokenizer.json | encoder.json,vocab.bpe> <text file> <out.jsonl> [--whole] [--warm]
// Encodes every line (or the whole text with --whole; a second, timed pass with --warm), prints {"seconds","bytes"} for the encode loop only and
// writes one JSON id array per line, like reference.cjs.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: TokenizerBench <tokenizer.json | encoder.json,vocab.bpe> <text> <out.jsonl> [--whole] [--warm]");
    return 2;
}

var files = args[0].Split(',');
var tokenizer = files.Length == 2 ? Tokenizer.FromGpt2Files(files[0], files[1]) : Tokenizer.Load(files[0]);
var text = File.ReadAllText(args[1]);
var lines = args.Contains("--whole") ? [text] : text.Split('\n');
var results = new int[lines.Length][];
var passes = args.Contains("--warm") ? 2 : 1;
var watch = new Stopwatch();
for (var pass = 0; pass < passes; pass++)
{
    watch.Restart();
    for (var i = 0; i < lines.Length; i++)
    {
        results[i] = tokenizer.Encode(lines[i]);
    }

    watch.Stop();
}

File.WriteAllLines(args[2], results.Select(ids => JsonSerializer.Serialize(ids)));
Console.WriteLine(JsonSerializer.Serialize(new { seconds = watch.Elapsed.TotalSeconds, bytes = Encoding.UTF8.GetByteCount(text) }));
return 0;
