using System.Diagnostics;
using System.Globalization;
using Azure.Storage;
using Azure.Storage.Blobs;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Caching.Shared;

namespace OliveNet.Bench;

/// <summary>
/// What a shared cache costs per pass run: sharing (upload) and fetching (download + hash check) one artifact through
/// the blob level, against the local level's durable copy + hash check of the same folder, rounds interleaved.
/// </summary>
internal static class BlobCacheThroughput
{
    public static int Run(string[] args)
    {
        var url = Value(args, "--url") ?? throw new ArgumentException("--url <container URL> is required");
        var model = Value(args, "--model") ?? throw new ArgumentException("--model <.onnx file> is required");
        var rounds = int.Parse(Value(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        var location = SharedCacheLocation.Parse(url);
        if (args.Contains("--create"))
        {
            var key = Environment.GetEnvironmentVariable("AZURE_STORAGE_KEY") ?? throw new ArgumentException("--create needs AZURE_STORAGE_KEY");
            new BlobContainerClient(location.ContainerUri, new StorageSharedKeyCredential(location.AccountName, key)).CreateIfNotExists();
        }

        var work = Directory.CreateTempSubdirectory("olivenet-blob-bench-");
        try
        {
            var source = Path.Combine(work.FullName, "source");
            Directory.CreateDirectory(source);
            File.Copy(model, Path.Combine(source, ModelArtifact.ModelFileName));
            var id = ArtifactHasher.HashFolder(source);
            var bytes = new FileInfo(model).Length;
            var shared = SharedCache.Open(location, "bench", Console.Error);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"artifact: {Path.GetFileName(model)}, {bytes / 1e6:0.00} MB; container {location}; load average {File.ReadAllText("/proc/loadavg").Trim()}"));

            List<double> copies = [], uploads = [], downloads = [];
            for (var round = 0; round < rounds; round++)
            {
                var copy = Path.Combine(work.FullName, $"copy{round}");
                copies.Add(Time(() =>
                {
                    DurableCopy(source, copy);
                    Check(ArtifactHasher.HashFolder(copy) == id, "local copy");
                }));
                var record = Record($"{round:x64}", id);
                uploads.Add(Time(() => Check(shared.Publish(record, source).Won, "upload (a record from an earlier bench run exists: use a fresh container)")));
                var fetched = Path.Combine(work.FullName, $"fetched{round}");
                Directory.CreateDirectory(fetched);
                downloads.Add(Time(() => Check(shared.TryDownload(id, fetched), "download")));
            }

            shared.Clear();
            var local = Median(copies);
            Console.WriteLine(Row("local copy + hash", bytes, copies, local));
            Console.WriteLine(Row("blob upload + commit", bytes, uploads, local));
            Console.WriteLine(Row("blob download + hash", bytes, downloads, local));
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static CacheRecord Record(string key, string id) => new()
    {
        Key = key, Status = "ok", Pass = "Bench", PassVersion = 1, Options = null, ParentId = id, ArtifactId = id,
        DurationMs = 0, FinishedUtc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture), OliveNetVersion = "bench", OnnxRuntimeVersion = "bench",
    };

    private static void DurableCopy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            using var input = File.OpenRead(file);
            using var output = new FileStream(Path.Combine(to, Path.GetFileName(file)), FileMode.CreateNew, FileAccess.Write);
            input.CopyTo(output);
            output.Flush(flushToDisk: true);
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{what} did not give the artifact back intact");
        }
    }

    private static string Row(string name, long bytes, List<double> seconds, double local)
    {
        var median = Median(seconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} median {median * 1000,8:0.0} ms  {bytes / median / 1e6,8:0.0} MB/s  ×{median / local,6:0.00} local   rounds: {string.Join(", ", seconds.Select(s => (s * 1000).ToString("0", CultureInfo.InvariantCulture)))} ms");
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string? Value(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
}
