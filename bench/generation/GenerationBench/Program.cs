// Decode and prefill speed of ONNX Runtime GenAI (what `olivenet generate` and the generation_latency metric run) against
// the bare cost of one decoder Run with the same shapes through a plain ORT session, on a generated Qwen3-shaped decoder
// (fp32 and int4 MatMulNBits), plus the memory-bandwidth bound of this machine. Every round runs each arm once, in turn,
// in one process. (OliveNet's own generation loop was deleted: it did not beat GenAI; see bench/generation/README.md.)
//   GenerationBench <work dir> [--layers N] [--hidden N] [--intermediate N] [--heads N] [--kv-heads N] [--head-size N]
//                   [--vocab N] [--prompt N] [--tokens N] [--runs N] [--threads N]
//   GenerationBench --bandwidth      (only the memory bandwidth figures, one line: read and copy in bytes/s)
// Defaults are Qwen3-0.6B's geometry (28 layers, hidden 1024, 16/8 heads of 128, MLP 3072, vocab 151936).
using System.Diagnostics;
using System.Globalization;
using OliveNet.Runtime;
using OliveNet.Runtime.Generation;
using OliveNet.Runtime.Tests.Generation;

if (args is ["--bandwidth"])
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read {ReadBandwidth():F0} copy {CopyBandwidth():F0}"));
    return;
}

var work = args.Length > 0 ? args[0] : throw new ArgumentException("usage: GenerationBench <work dir> [options]");
int Option(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
var shape = new DecoderShape(Option("--layers", 28), Option("--hidden", 1024), Option("--heads", 16), Option("--kv-heads", 8), Option("--head-size", 128),
    Option("--intermediate", 3072), Option("--vocab", 151936), 4096) { RopeTheta = 1e6 };
var promptLength = Option("--prompt", 64);
var tokens = Option("--tokens", 32);
var runs = Option("--runs", 3);
var threads = Option("--threads", 0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model: {shape.Layers} layers, hidden {shape.Hidden}, heads {shape.Heads}/{shape.KvHeads}×{shape.HeadSize}, MLP {shape.Intermediate}, vocab {shape.Vocab}: {shape.Parameters / 1e6:F0} M parameters"));
var copy = CopyBandwidth();
var bandwidth = ReadBandwidth();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory bandwidth: read {bandwidth / 1e9:F2} GB/s (a 512 MB buffer summed on {Environment.ProcessorCount} threads, best of 5); copy {copy / 1e9:F2} GB/s (one thread, read + write)"));

var results = new Dictionary<bool, double>();
var builtHere = false;
foreach (var int4 in new[] { false, true })
{
    var dir = Path.Combine(work, $"qwen3-shaped-{shape.Layers}x{shape.Hidden}-{(int4 ? "int4" : "fp32")}");
    if (!File.Exists(Path.Combine(dir, "genai_config.json")))
    {
        var build = Stopwatch.StartNew();
        new DecoderBuilder(shape with { Int4 = int4 }, seed: 7).Write(dir + ".tmp", eosTokenIds: [151645]);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.Move(dir + ".tmp", dir);
        builtHere = true;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {dir} in {build.Elapsed.TotalSeconds:F1} s"));
    }

    using var model = LanguageModel.Load(dir, threads);
    using var genai = GenAILanguageModel.Load(dir, threads);
    var peakBeforeLoad = builtHere;
    var latency = Metrics.GenerationLatency(genai, promptLength, tokens, runs: 1, warmup: 1);

    // Rounds interleave one GenAI generation with as many bare runs as it had decode steps, so both see the same
    // machine load; the overhead is the median of the per-round ratios.
    var prompt = Enumerable.Range(0, promptLength).Select(i => (i * 7919) % shape.Vocab).ToList();
    var settings = genai.Config.Search with { MaxNewTokens = tokens, IgnoreEndOfSequence = true };
    var bareRates = new List<double>();
    var fixedRates = new List<double>();
    var genaiDecode = new List<double>();
    var genaiPrefill = new List<double>();
    genai.Generate(prompt, settings);
    for (var round = 0; round < runs; round++)
    {
        var viaGenAI = genai.Generate(prompt, settings);
        genaiDecode.Add(viaGenAI.DecodeTokensPerSecond);
        genaiPrefill.Add(viaGenAI.PrefillTokensPerSecond);
        bareRates.Add(BareDecodeRun(model, promptLength, promptLength + tokens, tokens - 1));
        fixedRates.Add(BareDecodeRun(model, promptLength, promptLength + tokens, tokens - 1, promptLength + (tokens / 2)));
    }

    var genaiRate = Median(genaiDecode);
    var bareRate = Median(bareRates);
    var overhead = Median(genaiDecode.Zip(bareRates, (g, b) => (b / g) - 1));
    var weightBytes = Directory.GetFiles(dir, "model.onnx*").Sum(f => new FileInfo(f).Length) - (4L * shape.Vocab * shape.Hidden);
    var bound = bandwidth / weightBytes;
    results[int4] = genaiRate;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
        [{(int4 ? "int4" : "fp32")}] prompt {promptLength}, {tokens} new tokens, {runs} interleaved rounds
          genai:   ONNX Runtime GenAI {GenAILanguageModel.Version} on ORT {OrtRuntime.Version}: TTFT {latency.TimeToFirstTokenMs:F1} ms, prefill {Median(genaiPrefill):F1} tok/s, decode {genaiRate:F2} tok/s (rounds: {string.Join(", ", genaiDecode.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))})
          bare:    decoder Run alone, same shapes (mask {promptLength + 1}…{promptLength + tokens - 1}): {bareRate:F2} tok/s (rounds: {string.Join(", ", bareRates.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); GenAI's overhead over bare Run (median of per-round ratios) {overhead * 100:F1}%
          fixed:   decoder Run alone, one mask length {promptLength + (tokens / 2)} on every call: {Median(fixedRates):F2} tok/s
          bound:   {weightBytes / 1e6:F0} MB of weights read per token (embedding excluded) at {bandwidth / 1e9:F2} GB/s read → {bound:F2} tok/s; GenAI achieved {genaiRate / bound * 100:F0}% of the bound
          memory:  peak working set {latency.PeakWorkingSetBytes / 1e6:F0} MB{(peakBeforeLoad ? " (includes building a model in this process; rerun for the load-only figure)" : string.Empty)}, KV cache {latency.KvCacheBytes / 1e6:F1} MB
        """));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"int4 vs fp32 decode speed-up: {results[true] / results[false]:F2}×"));

// Tokens per second of Run alone with the loop's decode shapes: one [1,1] id per step with an attention mask growing
// from `promptLength + 1` to `promptLength + steps` (the values are created before the clock starts), KV buffers of
// `bufferLength` positions preallocated and shared by past and present, logits into one reused tensor.
// With `fixedLength` every step uses that one mask length instead (ORT then sees identical shapes on every call).
static double BareDecodeRun(LanguageModel model, int promptLength, int bufferLength, int steps, int? fixedLength = null)
{
    var config = model.Config;
    var mask = new long[bufferLength];
    Array.Fill(mask, 1L);
    using var ids = OrtValue.CreateTensor<long>(new long[] { 42 }, [1, 1]);
    var masks = Enumerable.Range(promptLength + 1, steps).Select(length => fixedLength ?? length).Select(length => OrtValue.CreateTensor<long>(mask.AsMemory(0, length), [1, length])).ToList();
    using var logits = OrtValue.CreateTensor<float>(new float[config.VocabSize], [1, 1, config.VocabSize]);
    var caches = new List<OrtValue>();
    var inputs = new List<KeyValuePair<string, OrtValue>> { new(config.InputIdsName, ids), new(config.AttentionMaskName, masks[0]) };
    var names = new List<string> { config.LogitsName };
    var outputs = new List<OrtValue?> { logits };
    for (var layer = 0; layer < config.NumHiddenLayers; layer++)
    {
        foreach (var (past, present) in new[] { (config.PastKeyNames, config.PresentKeyNames), (config.PastValueNames, config.PresentValueNames) })
        {
            var buffer = OrtValue.CreateTensor<float>(new float[config.NumKeyValueHeads * bufferLength * config.HeadSize], [1, config.NumKeyValueHeads, bufferLength, config.HeadSize]);
            caches.Add(buffer);
            inputs.Add(new(GenAIConfig.LayerName(past, layer), buffer));
            names.Add(GenAIConfig.LayerName(present, layer));
            outputs.Add(buffer);
        }
    }

    var slots = outputs.ToArray();
    model.Session.Run(inputs, names, slots);

    var clock = Stopwatch.StartNew();
    foreach (var maskValue in masks)
    {
        inputs[1] = new(config.AttentionMaskName, maskValue);
        model.Session.Run(inputs, names, slots);
    }

    var seconds = clock.Elapsed.TotalSeconds;
    caches.ForEach(c => c.Dispose());
    masks.ForEach(m => m.Dispose());
    return steps / seconds;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

// Bytes moved per second by a large memcpy (read + write), the ceiling for streaming weights.
// Bytes read per second when every core streams its share of a large buffer (what a decoder's weight reads need).
static double ReadBandwidth()
{
    var data = new float[128 << 20];
    Array.Fill(data, 1f);
    var threads = Environment.ProcessorCount;
    var sums = new float[threads];
    var best = double.MaxValue;
    for (var round = 0; round < 5; round++)
    {
        var clock = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var slice = data.AsSpan(t * (data.Length / threads), data.Length / threads);
            // Four independent accumulators, so the adds are not the bottleneck.
            var (a, b, c, d) = (System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero,
                System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero);
            for (var i = 0; i + 32 <= slice.Length; i += 32)
            {
                a += System.Runtime.Intrinsics.Vector256.Create(slice.Slice(i, 8));
                b += System.Runtime.Intrinsics.Vector256.Create(slice.Slice(i + 8, 8));
                c += System.Runtime.Intrinsics.Vector256.Create(slice.Slice(i + 16, 8));
                d += System.Runtime.Intrinsics.Vector256.Create(slice.Slice(i + 24, 8));
            }

            sums[t] = System.Runtime.Intrinsics.Vector256.Sum(a + b + c + d);
        });
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }

    return sums.Sum() > 0 ? 4.0 * data.Length / best : 0;
}

static double CopyBandwidth()
{
    var source = new byte[512 << 20];
    var target = new byte[512 << 20];
    Random.Shared.NextBytes(source.AsSpan(0, 1 << 20));
    var best = double.MaxValue;
    for (var i = 0; i < 5; i++)
    {
        var clock = Stopwatch.StartNew();
        source.AsSpan().CopyTo(target);
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }

    return 2.0 * source.Length / best;
}
