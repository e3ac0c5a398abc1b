using System.Diagnostics;
using OliveNet.Engine.Tests.Caching.Shared;

namespace OliveNet.Cli.Tests.Caching;

/// <summary>
/// Real <c>olivenet</c> processes sharing a real Azurite container: workers killed with SIGKILL mid-pass and mid-upload
/// leave nothing a later run trusts, a fresh machine then reuses every pass and publishes the same bytes as a local
/// run, <c>cache verify|prune|list</c> work on the container, and the account key is in no file and no output.
/// </summary>
public sealed class SharedCacheFaultTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Azurite _azurite = new();
    private readonly List<string> _outputs = [];

    public void Dispose()
    {
        _azurite.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Workers_killed_mid_pass_and_mid_upload_leave_a_container_that_verifies_and_a_rerun_publishes_the_local_runs_bytes()
    {
        var url = _azurite.NewContainer();
        Assert.Equal(0, (await Wait(Start("reference", "reference-cache"))).Exit);

        // Each worker runs in its own folder with cache_dir set to the container alone, so its local level is an empty
        // ./cache there: a killed one was running passes or uploading them; the moments spread over both.
        var killed = 0;
        foreach (var delayMs in new[] { 400, 900, 1500, 2200, 3000, 4000 })
        {
            using var victim = Start($"victim{delayMs}", url);
            var drained = Wait(victim);
            await Task.Delay(delayMs);
            if (!victim.HasExited)
            {
                victim.Kill(entireProcessTree: true);
                killed++;
            }

            await drained;
        }

        Assert.True(killed > 0, "every worker finished before it could be killed");
        Assert.Equal(0, (await Wait(Start("worker", url))).Exit);
        var reader = await Wait(Start("reader", url));
        Assert.Equal(0, reader.Exit);

        Assert.Equal(3, reader.Log.Split('\n').Count(l => l.Contains("fetched from the shared cache", StringComparison.Ordinal)));
        foreach (var file in new[] { "model.onnx", "manifest.json", "footprint.json", "model_config.json" })
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(_dir.Path, "reference", "out", file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_dir.Path, "reader", "out", file))),
                $"{file} differs from a local run");
        }

        var verify = Cli("cache", "verify", "--cache-dir", url);
        Assert.Equal(0, verify.Exit);
        Assert.Equal(3, verify.Out.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
        Assert.Equal(0, Cli("cache", "prune", "--cache-dir", url, "--min-age", "0").Exit);
        var list = Cli("cache", "list", "--cache-dir", url);
        Assert.Contains($"shared  ({url})", list.Out, StringComparison.Ordinal);
        Assert.Equal(0, Cli("cache", "verify", "--cache-dir", url).Exit);

        Assert.All(_outputs, o => Assert.DoesNotContain(Azurite.Key, o, StringComparison.Ordinal));
        foreach (var file in Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories))
        {
            Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(Azurite.Key)) >= 0, $"{file} holds the account key");
        }
    }

    [Fact]
    public void A_container_that_does_not_exist_is_one_clear_line_naming_it()
    {
        var url = _azurite.Url("missing");

        var (exit, _, error) = Cli("cache", "list", "--cache-dir", url);

        Assert.Equal(1, exit);
        Assert.Equal($"error: shared cache {url}: could not list the workflows: the container does not exist; create it (az storage container create --account-name {Azurite.Account} --name missing). "
            + "Pass runs finished so far are kept in the local cache; rerun when the service is reachable (or set cache_dir to a local folder alone to work without it)", error.Trim());
    }

    [Fact]
    public void A_dry_run_names_the_shared_container_without_contacting_it()
    {
        _azurite.Stop();
        var url = _azurite.Url("olivecache");

        var (exit, stdout, _) = Cli("run", Path.Combine(CliProcess.RepoRoot, "pipelines", "ppocr-rec-cpu.yaml"), "--dry-run",
            "--set", $"cache_dir={url}", "--set", $"output_dir={_dir.Path}/out");

        Assert.Equal(0, exit);
        Assert.Contains($"shared      {url}/ppocr_rec_cpu/", stdout, StringComparison.Ordinal);
    }

    private (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var result = CliProcess.Run(new Dictionary<string, string?> { ["AZURE_STORAGE_KEY"] = Azurite.Key }, args);
        _outputs.Add(result.Out + result.Err);
        return result;
    }

    /// <summary>
    /// Starts a run of one recipe in its own folder; <paramref name="cacheDir"/> comes by --set, which the manifest leaves
    /// out, so every run's published files can be compared byte for byte.
    /// </summary>
    private Process Start(string name, string cacheDir)
    {
        var recipe = Path.Combine(_dir.Path, "recipe.yaml");
        if (!File.Exists(recipe))
        {
            _dir.File("recipe.yaml", $"""
                workflow_id: shared
                input_model: {"{"}type: ONNXModel, model_path: "{RealModels.OcrRecognizer}"{"}"}
                passes:
                  cleanup: {"{"}type: OnnxPeepholeOptimizer{"}"}
                  batch_one: {"{"}type: DynamicToFixedShape, dim_param: [p2o.DynamicDimension.0], dim_value: [1]{"}"}
                  fusion: {"{"}type: OrtTransformersOptimization, opt_level: 2{"}"}
                """);
        }

        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, name)).FullName;
        return CliProcess.Start(
            new Dictionary<string, string?> { ["AZURE_STORAGE_KEY"] = Azurite.Key }, folder, "dotnet",
            CliProcess.Dll, "run", recipe, "--set", $"cache_dir={cacheDir}", "--set", $"output_dir={Path.Combine(folder, "out")}");
    }

    /// <summary>Drains a run's output until it exits (killed or not); its exit code and progress log.</summary>
    private async Task<(int Exit, string Log)> Wait(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        _outputs.Add(await output + await log);
        return (process.ExitCode, await log);
    }
}
