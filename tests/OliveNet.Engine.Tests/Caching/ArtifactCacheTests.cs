using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Tests.Caching;

public sealed class ArtifactCacheTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-cache-");
    private readonly ModelArtifact _input = Fixtures.Artifact(Fixtures.ConformanceModel("test_relu"));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_finished_run_is_reused_without_running_the_pass_again()
    {
        var cache = new ArtifactCache(_dir.FullName);
        var pass = new DocStringPass();

        var first = Run(cache, pass, new DocStringOptions { Text = "a" });
        var second = Run(cache, pass, new DocStringOptions { Text = "a" });

        Assert.False(first.Hit);
        Assert.True(second.Hit);
        Assert.Equal(1, pass.Runs);
        Assert.Equal(first.Artifact!.Id, second.Artifact!.Id);
        Assert.Equal(ArtifactHasher.HashFolder(second.Artifact.Folder), second.Artifact.Id);
    }

    [Fact]
    public void Different_options_give_different_keys_and_artifacts()
    {
        var cache = new ArtifactCache(_dir.FullName);

        var a = Run(cache, new DocStringPass(), new DocStringOptions { Text = "a" });
        var b = Run(cache, new DocStringPass(), new DocStringOptions { Text = "b" });

        Assert.NotEqual(a.Record.Key, b.Record.Key);
        Assert.NotEqual(a.Artifact!.Id, b.Artifact!.Id);
    }

    [Fact]
    public void A_failure_is_recorded_and_retried_unless_retrying_is_off()
    {
        var cache = new ArtifactCache(_dir.FullName);
        var pass = new DocStringPass();
        var options = new DocStringOptions { Fail = true };

        var failed = Run(cache, pass, options);
        Assert.Null(failed.Artifact);
        Assert.Equal("failed", failed.Record.Status);
        Assert.Equal("asked to fail", failed.Record.Error);

        var recorded = Run(cache, pass, options, retryFailed: false);
        Assert.True(recorded.Hit);
        Assert.Equal(1, pass.Runs);

        Run(cache, pass, options);
        Assert.Equal(2, pass.Runs);
    }

    [Fact]
    public void A_damaged_entry_is_detected_by_its_hash_and_rebuilt()
    {
        var cache = new ArtifactCache(_dir.FullName);
        var pass = new DocStringPass();
        var first = Run(cache, pass, new DocStringOptions());
        File.AppendAllText(first.Artifact!.ModelPath, "tampered");
        var log = new StringWriter();

        var second = Run(cache, pass, new DocStringOptions(), log: log);

        Assert.False(second.Hit);
        Assert.Equal(2, pass.Runs);
        Assert.Equal(first.Artifact.Id, second.Artifact!.Id);
        Assert.Contains("does not match its record", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Leftovers_of_a_killed_run_are_never_trusted()
    {
        var cache = new ArtifactCache(_dir.FullName);
        var pass = new DocStringPass();
        var key = Key(new DocStringOptions());
        // A killed run leaves a temp folder, or (older layouts) an entry folder without its completion record.
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "runs", $".tmp-{key}-dead", "artifact"));
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "runs", key, "artifact"));
        File.WriteAllText(Path.Combine(_dir.FullName, "runs", key, "artifact", "model.onnx"), "half written");

        var outcome = Run(cache, pass, new DocStringOptions());

        Assert.False(outcome.Hit);
        Assert.Equal(1, pass.Runs);
        Assert.True(outcome.Artifact!.Id == ArtifactHasher.HashFolder(outcome.Artifact.Folder));
        Assert.Equal(1, cache.RemoveIncomplete());
    }

    [Fact]
    public void Two_concurrent_runs_of_the_same_key_run_the_pass_once()
    {
        var pass = new DocStringPass();
        var outcomes = new CacheOutcome[2];

        Parallel.For(0, 2, i => outcomes[i] = Run(new ArtifactCache(_dir.FullName), pass, new DocStringOptions { Repeat = 1000 }));

        Assert.Equal(1, pass.Runs);
        Assert.Single(outcomes, o => o.Hit);
        Assert.Equal(outcomes[0].Artifact!.Id, outcomes[1].Artifact!.Id);
    }

    private string Key(DocStringOptions options) =>
        CacheKey.Compute(_input.Id, "DocString", 1, PassOptions.Canonical(options), null, "test", "test");

    private CacheOutcome Run(ArtifactCache cache, DocStringPass pass, DocStringOptions options, bool retryFailed = true, TextWriter? log = null)
    {
        var key = Key(options);
        return cache.GetOrRun(
            key,
            () => new CacheRecord
            {
                Key = key, Status = "running", Pass = "DocString", PassVersion = 1, Options = null, ParentId = _input.Id,
                DurationMs = 0, FinishedUtc = string.Empty, OliveNetVersion = "test", OnnxRuntimeVersion = "test",
            },
            folder => ((IPass)pass).Run(new PassContext(_input, folder, Target.Cpu, TextWriter.Null, default), options),
            retryFailed,
            log ?? TextWriter.Null,
            CancellationToken.None);
    }
}
