using OliveNet.Engine.Caching;
using OliveNet.Engine.Data;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Quantization.WeightOnly;
using OliveNet.Passes.Tests.Export;
using OliveNet.Text.Tokenizers;
using Parquet;
using Parquet.Schema;

namespace OliveNet.Passes.Tests.Quantization.WeightOnly;

[CollectionDefinition(nameof(HubCalibrationDefaultTests), DisableParallelization = true)]
public sealed class HubCacheCollection;

/// <summary>
/// Olive's Gptq (and SelectiveMixedPrecision kld_gradient) recipes give no calibration data: Olive then calibrates on
/// wikitext-2 (raw, train) from the Hugging Face hub. OliveNet reads it from the local hub cache when it is there. The
/// cache here is built in the layout huggingface_hub writes, its Parquet file holding real text (Genesis 1–4, one row per
/// line, blank rows kept as wikitext has them). HF_HUB_CACHE is process-wide, so these tests run alone.
/// </summary>
[Collection(nameof(HubCalibrationDefaultTests))]
public sealed class HubCalibrationDefaultTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string? _saved = Environment.GetEnvironmentVariable("HF_HUB_CACHE");

    public HubCalibrationDefaultTests() => Environment.SetEnvironmentVariable("HF_HUB_CACHE", _temp.Sub("hub"));

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", _saved);
        _temp.Dispose();
    }

    [Fact]
    public void Without_calibration_text_gptq_calibrates_on_wikitext2_from_the_hub_cache_joined_as_olive_joins_it()
    {
        var rows = File.ReadAllLines(WeightOnlyFixtures.CalibrationText);
        var parquet = WriteWikitext(rows);
        var options = new GptqOptions { MaxSeqLen = 64, MaxSamples = 6 };
        Assert.Empty(new GptqPass().Validate(options, Target.Cpu));
        Assert.Equal([parquet], options.ImplicitInputFiles());

        // Olive's join strategy: each non-empty row's tokens, then the joiner "\n\n"'s, in disjoint max_seq_len windows.
        var tokenizer = Tokenizer.Load(Path.Combine(KjvPerplexityTests.Checkpoint, "tokenizer.json"));
        var stream = rows.Where(r => r.Length > 0).SelectMany(r => tokenizer.Encode(r).Concat(tokenizer.Encode("\n\n"))).ToArray();
        var expected = Enumerable.Range(0, 6).Select(i => stream[(i * 64)..((i + 1) * 64)].Select(t => (long)t).ToArray()).ToList();
        var samples = CalibrationSamples.Load(KjvPerplexityTests.Checkpoint, HfConfig.Load(KjvPerplexityTests.Checkpoint), "Gptq", null, null, 64, 6);
        Assert.Equal(expected, samples);

        var log = new StringWriter();
        GptqPass.Quantize(KjvPerplexityTests.Checkpoint, _temp.Sub("gptq"), options with { MaxSamples = 2 }, log, default);
        Assert.Contains("calibrating on 2 samples of 64 tokens of Salesforce/wikitext wikitext-2-raw-v1 train (Olive's default)", log.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_temp.Sub("gptq"), "model.safetensors")));

        // The cache key follows the dataset's content, which no option names.
        var canonical = PassOptions.Canonical(options);
        var before = PathOptionFiles.WithContentHashes(canonical, typeof(GptqOptions), options);
        WriteWikitext(rows.Reverse().ToArray());
        Assert.NotEqual(before, PathOptionFiles.WithContentHashes(canonical, typeof(GptqOptions), options));
        var withText = options with { CalibrationText = WeightOnlyFixtures.CalibrationText };
        Assert.DoesNotContain("implicit:", PathOptionFiles.WithContentHashes(PassOptions.Canonical(withText), typeof(GptqOptions), withText), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_dataset_in_the_cache_validate_says_where_it_looked_and_how_to_fetch_it()
    {
        var problem = Assert.Single(new GptqPass().Validate(new GptqOptions(), Target.Cpu));
        Assert.Contains($"Salesforce/wikitext (wikitext-2-raw-v1, split train) is not in the hub cache {_temp.Sub("hub")}", problem, StringComparison.Ordinal);
        Assert.Contains("hf download --repo-type dataset Salesforce/wikitext --include 'wikitext-2-raw-v1/*'", problem, StringComparison.Ordinal);
        Assert.Contains("calibration_text", problem, StringComparison.Ordinal);
        Assert.Empty(new GptqOptions().ImplicitInputFiles());
    }

    /// <summary>Writes the rows as the train split's Parquet file in a hub-cache snapshot that refs/main names; returns its path.</summary>
    private string WriteWikitext(string[] rows)
    {
        var repo = Path.Combine(_temp.Sub("hub"), "datasets--Salesforce--wikitext");
        const string Revision = "b08601e04326c79dfdd32d625aee71d232d685c3";
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), Revision);
        var folder = Path.Combine(repo, "snapshots", Revision, "wikitext-2-raw-v1");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "train-00000-of-00001.parquet");
        WriteParquet(path, rows).GetAwaiter().GetResult();
        return path;
    }

    private static async Task WriteParquet(string path, string[] rows)
    {
        var field = new DataField<string>("text");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(field, rows);
    }
}
