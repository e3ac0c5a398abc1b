using OliveNet.Engine.Caching;
using OliveNet.Engine.Caching.Shared;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;

namespace OliveNet.Engine.Tests.Caching.Shared;

/// <summary>
/// Whole runs through a shared cache in a real Azurite container: what one machine ran, another reuses from the
/// container; a service that goes away fails the run with one line and the local level keeps what finished; no
/// credential reaches any file or message.
/// </summary>
public sealed class SharedCacheWorkflowTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-shared-run-");
    private readonly Azurite _azurite = new();
    private readonly DocStringPass _doc = new();
    private readonly RecipeLoader _loader;

    public SharedCacheWorkflowTests()
    {
        // The runner reads credentials from the process environment, as the CLI does; only these tests use a shared cache.
        Environment.SetEnvironmentVariable(SharedCacheConnection.KeyVariable, Azurite.Key);
        _loader = new RecipeLoader(new PassRegistry([_doc, new SlowPass()]));
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose()
    {
        _azurite.Dispose();
        _dir.Delete(recursive: true);
    }

    private const string Evaluated = """
        evaluators:
          e:
            metrics:
              - {name: size, type: size_on_disk, sub_types: [{name: bytes, priority: 1}]}
        evaluator: e
        passes:
          first: {type: DocString, text: shared}
          second: {type: DocString, text: twice, repeat: 2}
        """;

    [Fact]
    public void A_second_machine_with_an_empty_local_cache_reuses_every_pass_run_and_evaluation_from_the_container()
    {
        var url = _azurite.NewContainer();
        var first = Load(Evaluated, $"[local-a, {url}]", "out-a");
        var progressA = new StringWriter();
        var a = new WorkflowRunner().Run(first, new RunSettings { Progress = progressA });
        Assert.Equal(2, _doc.Runs);
        Assert.All(a.Passes, p => Assert.False(p.CacheHit));

        var second = Load(Evaluated, $"[local-b, {url}]", "out-b");
        var progressB = new StringWriter();
        var b = new WorkflowRunner().Run(second, new RunSettings { Progress = progressB });

        Assert.Equal(2, _doc.Runs);
        Assert.All(b.Passes, p => Assert.True(p.CacheHit));
        Assert.Contains($"fetched from the shared cache {url}", progressB.ToString(), StringComparison.Ordinal);
        Assert.Contains("1 metric(s) from the evaluation cache", progressB.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("  size (size_on_disk) in", progressB.ToString(), StringComparison.Ordinal);
        Assert.Equal(a.OutputArtifactId, b.OutputArtifactId);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutputDir, "model.onnx")), File.ReadAllBytes(Path.Combine(second.OutputDir, "model.onnx")));
        Assert.Empty(OutputVerifier.Verify(second.OutputDir));
        NoCredentialAnywhere(progressA.ToString() + progressB.ToString());
    }

    [Fact]
    public void A_service_that_stops_mid_run_fails_it_with_one_line_naming_the_container_and_the_local_level_keeps_finished_runs()
    {
        var url = _azurite.NewContainer();
        var recipe = Load("""
            passes:
              first: {type: DocString, text: before}
              slow: {type: Slow, work_ms: 3000}
              last: {type: DocString, text: after}
            """, $"[local, {url}]", "out");
        var progress = new SignallingWriter("pass slow (Slow): key");
        var run = Task.Run(() => new WorkflowRunner().Run(recipe, new RunSettings { Progress = progress }));
        Assert.True(progress.Seen.Wait(TimeSpan.FromSeconds(60)), progress.ToString());
        // The slow pass is producing once its temp folder exists (after its shared lookup missed): stop the service then.
        var runs = Path.Combine(recipe.CacheDir, recipe.WorkflowId, "runs");
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!Directory.EnumerateDirectories(runs, ".tmp-*").Any() && DateTime.UtcNow < until && !run.IsCompleted)
        {
            Thread.Sleep(10);
        }

        var stopped = DateTime.UtcNow;
        _azurite.Stop();

        var error = Assert.Throws<SharedCacheException>(() => run.GetAwaiter().GetResult());

        Assert.True(DateTime.UtcNow - stopped < TimeSpan.FromSeconds(60), "retries outlasted a minute");
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith($"shared cache {url}: could not ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Connection refused (127.0.0.1:{_azurite.Port})", error.Message, StringComparison.Ordinal);
        Assert.Contains("kept in the local cache", error.Message, StringComparison.Ordinal);
        var local = new ArtifactCache(Path.Combine(recipe.CacheDir, recipe.WorkflowId));
        var kept = local.List();
        Assert.Equal(["DocString", "Slow"], kept.Select(r => r.Pass).Order(StringComparer.Ordinal));
        Assert.All(kept, r => Assert.True(local.Verify(r)));
        Assert.False(Directory.Exists(recipe.OutputDir));
        NoCredentialAnywhere(error.Message + progress, inContainer: false);
    }

    [Fact]
    public void A_wrong_key_fails_with_access_denied_and_the_key_in_no_message()
    {
        var url = _azurite.NewContainer();
        var wrong = Convert.ToBase64String(new byte[64]);
        var cache = SharedCache.Open(SharedCacheLocation.Parse(url), "wf", TextWriter.Null, name => name == SharedCacheConnection.KeyVariable ? wrong : null);

        var error = Assert.Throws<SharedCacheException>(() => cache.ReadRecord(new string('0', 64)));

        Assert.Contains("access denied (HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_with_a_sas_token_in_the_url_is_refused_without_repeating_the_token()
    {
        const string Signature = "sig=c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ%3D%3D";
        var error = Assert.Throws<RecipeException>(() => Load("passes: {doc: {type: DocString}}", $"'{_azurite.Url("c1")}?sv=2024-01-01&{Signature}'", "out"));

        Assert.Contains("credentials in the URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
    }

    /// <summary>No file the runs wrote (local caches, outputs), no blob in the container and no log holds the key.</summary>
    private void NoCredentialAnywhere(string logs, bool inContainer = true)
    {
        Assert.DoesNotContain(Azurite.Key, logs, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_dir.FullName, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Azurite.Key, File.ReadAllText(file), StringComparison.Ordinal);
        }

        foreach (var container in inContainer ? _azurite.Service.GetBlobContainers().ToList() : [])
        {
            var client = _azurite.Container(container.Name);
            foreach (var blob in client.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.Metadata, Azure.Storage.Blobs.Models.BlobStates.None, null, default))
            {
                Assert.DoesNotContain(Azurite.Key, string.Join(",", blob.Metadata.Values), StringComparison.Ordinal);
                Assert.DoesNotContain(Azurite.Key, client.GetBlobClient(blob.Name).DownloadContent().Value.Content.ToString(), StringComparison.Ordinal);
            }
        }
    }

    private Recipe Load(string text, string cacheDir, string output)
    {
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, $"input_model: {{type: ONNXModel, model_path: relu.onnx}}\n{text}\ncache_dir: {cacheDir}\noutput_dir: {output}\n");
        return _loader.Load(path, environment: new Dictionary<string, string?>());
    }

    /// <summary>Collects progress lines and signals when one containing a given text is written.</summary>
    private sealed class SignallingWriter(string awaited) : StringWriter
    {
        public ManualResetEventSlim Seen { get; } = new();

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            if (value?.Contains(awaited, StringComparison.Ordinal) == true)
            {
                Seen.Set();
            }
        }

        public override string ToString()
        {
            lock (this)
            {
                return base.ToString();
            }
        }
    }
}
