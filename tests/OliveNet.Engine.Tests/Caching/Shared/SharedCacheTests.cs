using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Caching.Shared;
using OliveNet.Engine.Evaluation;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Tests.Caching.Shared;

/// <summary>
/// The shared level's guarantees against a real Azurite container: an entry is visible only once complete, two writers
/// of one key agree on the first one's result, damage is detected on download and by verify, prune clears leftovers.
/// </summary>
public sealed class SharedCacheTests : IDisposable
{
    private const string Workflow = "wf";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-shared-");
    private readonly Azurite _azurite = new();
    private readonly ModelArtifact _input = Fixtures.Artifact(Fixtures.ConformanceModel("test_relu"));
    private readonly string _url;

    public SharedCacheTests()
    {
        _url = _azurite.NewContainer();
    }

    public void Dispose()
    {
        _azurite.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public void Two_machines_writing_one_key_at_once_both_succeed_and_end_with_the_same_result()
    {
        // Each "machine" produces different bytes for the same key (as a pass whose output is not bit-exact would), and
        // both finish producing before either shares: exactly one record can be created, the other adopts it.
        using var bothProduced = new Barrier(2);
        var caches = new[] { Cache("a"), Cache("b") };
        var outcomes = caches.Select((cache, i) => Task.Run(() => Run(cache, new DocStringOptions { Text = $"machine {i}" }, _ => bothProduced.SignalAndWait(TimeSpan.FromSeconds(30)))))
            .ToArray().Select(t => t.GetAwaiter().GetResult()).ToList();

        var shared = Shared().ReadRecord(Key());
        Assert.NotNull(shared);
        Assert.All(outcomes, o => Assert.Equal(shared.ArtifactId, o.Artifact!.Id));
        Assert.All(outcomes, o => Assert.Equal(shared.ArtifactId, ArtifactHasher.HashFolder(o.Artifact!.Folder)));
        Assert.Single(Shared().List());
    }

    [Fact]
    public void Two_machines_sharing_one_evaluation_both_report_the_first_ones_values()
    {
        var key = EvaluationCache.Key("model", "latency");
        var a = new EvaluationCache(Path.Combine(_dir.FullName, "a"), Shared());
        var b = new EvaluationCache(Path.Combine(_dir.FullName, "b"), Shared());

        var first = a.Write(key, new Dictionary<string, double> { ["avg"] = 1.5 });
        var second = b.Write(key, new Dictionary<string, double> { ["avg"] = 2.5 });

        Assert.Equal(1.5, first["avg"]);
        Assert.Equal(1.5, second["avg"]);
        Assert.Equal(1.5, b.Read(key)!["avg"]);
        Assert.Equal(1.5, new EvaluationCache(Path.Combine(_dir.FullName, "c"), Shared()).Read(key)!["avg"]);
    }

    [Fact]
    public void An_artifact_uploaded_without_its_record_is_never_used_and_prune_removes_it_once_old_enough()
    {
        // A writer killed between uploading the artifact and committing the record leaves exactly this: the model's first
        // half under the id the pass produces, and no record.
        var produced = Run(new ArtifactCache(Path.Combine(_dir.FullName, "alone")), new DocStringOptions());
        var bytes = File.ReadAllBytes(produced.Artifact!.ModelPath);
        var container = _azurite.ContainerOf(_url);
        container.GetBlobClient($"{Workflow}/artifacts/{produced.Artifact.Id}/{ModelArtifact.ModelFileName}").Upload(new BinaryData(bytes[..(bytes.Length / 2)]));
        container.GetBlobClient($"{Workflow}/artifacts/{new string('e', 64)}/{ModelArtifact.ModelFileName}").Upload(new BinaryData(bytes[..10]));
        var runs = 0;

        var outcome = Run(Cache("fresh"), new DocStringOptions(), _ => runs++);

        Assert.False(outcome.Hit);
        Assert.Equal(1, runs);
        Assert.Equal(produced.Artifact.Id, outcome.Artifact!.Id);
        var reader = Run(Cache("reader"), new DocStringOptions(), _ => runs++);
        Assert.True(reader.Hit);
        Assert.Equal(1, runs);

        Assert.Equal(0, Shared().RemoveIncomplete());
        Assert.Equal(1, Shared().RemoveIncomplete(TimeSpan.Zero));
        Assert.Empty(Blobs($"artifacts/{new string('e', 64)}/"));
        Assert.All(Shared().List(), r => Assert.True(Shared().Verify(r)));
    }

    [Fact]
    public void A_tampered_artifact_is_detected_on_download_reported_not_used_and_pruned()
    {
        var first = Run(Cache("a"), new DocStringOptions());
        var blob = $"{Workflow}/artifacts/{first.Artifact!.Id}/{ModelArtifact.ModelFileName}";
        var container = _azurite.ContainerOf(_url);
        var bytes = File.ReadAllBytes(first.Artifact.ModelPath);
        bytes[^1] ^= 0x01;
        container.GetBlobClient(blob).Upload(new BinaryData(bytes), overwrite: true);
        var log = new StringWriter();
        var runs = 0;

        var second = Run(Cache("b", log), new DocStringOptions(), _ => runs++);

        Assert.Equal(1, runs);
        Assert.False(second.Hit);
        Assert.Equal(first.Artifact.Id, ArtifactHasher.HashFolder(second.Artifact!.Folder));
        Assert.Contains($"shared cache {_url}: artifact {first.Artifact.Id[..12]} does not hash to its record", log.ToString(), StringComparison.Ordinal);

        // The rerun shared the same bytes again, which repaired the entry; damage it once more for verify and prune.
        var record = Assert.Single(Shared().List());
        Assert.True(Shared().Verify(record));
        container.GetBlobClient(blob).Upload(new BinaryData(bytes), overwrite: true);
        Assert.False(Shared().Verify(record));

        Shared().Remove(record.Key);
        Assert.Equal(1, Shared().RemoveIncomplete(TimeSpan.Zero));
        Assert.Empty(Shared().List());
        Assert.Empty(Blobs(string.Empty));
    }

    [Fact]
    public void A_tampered_evaluation_is_detected_and_not_used()
    {
        var key = EvaluationCache.Key("model", "size");
        new EvaluationCache(Path.Combine(_dir.FullName, "a"), Shared()).Write(key, new Dictionary<string, double> { ["bytes"] = 100 });
        var blob = _azurite.ContainerOf(_url).GetBlobClient($"{Workflow}/evaluations/{key}.json");
        var metadata = blob.GetProperties().Value.Metadata;
        blob.Upload(new BinaryData("{\"bytes\":1}\n"), new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = metadata });
        var log = new StringWriter();

        var read = new EvaluationCache(Path.Combine(_dir.FullName, "b"), Shared(log)).Read(key);

        Assert.Null(read);
        Assert.Contains("does not match its hash", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, Shared().RemoveIncomplete());
    }

    [Fact]
    public void Failed_runs_stay_local_and_are_never_shared()
    {
        var failed = Run(Cache("a"), new DocStringOptions { Fail = true });

        Assert.Null(failed.Artifact);
        Assert.Empty(Blobs(string.Empty));
    }

    [Fact]
    public void The_workflows_in_a_container_are_listed()
    {
        Run(Cache("a"), new DocStringOptions());

        var workflows = SharedCache.Workflows(SharedCacheLocation.Parse(_url), TextWriter.Null, TimeSpan.FromHours(1), Azurite.Environment);

        Assert.Equal([Workflow], workflows.Select(w => w.WorkflowId));
        var record = Assert.Single(workflows[0].List());
        Assert.True(workflows[0].EntryBytes(record.Key) > 0);
    }

    private SharedCache Shared(TextWriter? log = null) =>
        SharedCache.Open(SharedCacheLocation.Parse(_url), Workflow, log ?? TextWriter.Null, Azurite.Environment);

    private ArtifactCache Cache(string local, TextWriter? log = null) => new(Path.Combine(_dir.FullName, local, Workflow), Shared(log));

    private List<string> Blobs(string under) =>
        [.. _azurite.ContainerOf(_url).GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{Workflow}/{under}", default).Select(b => b.Name)];

    private string Key() => CacheKey.Compute(_input.Id, "DocString", 1, "{}", null, "test", "test");

    private CacheOutcome Run(ArtifactCache cache, DocStringOptions options, Action<string>? afterProduce = null)
    {
        var key = Key();
        return cache.GetOrRun(
            key,
            () => new CacheRecord
            {
                Key = key, Status = "running", Pass = "DocString", PassVersion = 1, Options = null, ParentId = _input.Id,
                DurationMs = 0, FinishedUtc = string.Empty, OliveNetVersion = "test", OnnxRuntimeVersion = "test",
            },
            folder =>
            {
                ((IPass)new DocStringPass()).Run(new PassContext(_input, folder, Target.Cpu, TextWriter.Null, default), options);
                afterProduce?.Invoke(folder);
            },
            retryFailed: true,
            cache.Shared?.Log ?? TextWriter.Null,
            CancellationToken.None);
    }
}
