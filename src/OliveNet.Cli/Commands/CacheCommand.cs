using System.CommandLine;
using System.Globalization;
using OliveNet.Cli.Output;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Caching.Shared;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet cache list|show|verify|prune|clear</c>: look after the pass-run cache, local or shared.</summary>
internal static class CacheCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("cache", "Inspect and maintain the cache of pass runs (<cache_dir>/<workflow_id>/runs/<key>), a local folder or a shared blob container.");
        command.Add(Sub("list", "List every entry: key, pass, status, output model id, size.", output, error, (caches, _) =>
        {
            foreach (var cache in caches)
            {
                output.WriteLine($"{cache.WorkflowId}  ({cache.Location})");
                foreach (var r in cache.List())
                {
                    output.WriteLine($"  {r.Key[..12]}  {r.Pass,-28} {r.Status,-6} {(r.ArtifactId is null ? "-" : r.ArtifactId[..12]),-12} {Units.Bytes(cache.EntryBytes(r.Key)),10}  {r.FinishedUtc}");
                }
            }

            return ExitCodes.Ok;
        }));

        var key = new Argument<string>("key") { Description = "An entry key, or a unique prefix of one (as list prints)." };
        var show = Sub("show", "Print one entry's completion record.", output, error, (caches, parse) =>
        {
            var prefix = parse.GetValue(key)!;
            var matches = caches.SelectMany(c => c.List().Select(r => (Cache: c, Record: r)))
                .Where(m => m.Record.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (matches.Count != 1)
            {
                throw new UsageException(matches.Count == 0 ? $"no cache entry starts with '{prefix}'" : $"'{prefix}' matches {matches.Count} entries; give more of the key");
            }

            JsonOutput.Write(output, matches[0].Record);
            return ExitCodes.Ok;
        });
        show.Add(key);
        command.Add(show);

        command.Add(Sub("verify", "Re-hash every successful entry against its record (downloading shared ones); exit 1 if any does not match.", output, error, (caches, _) =>
        {
            var bad = 0;
            foreach (var cache in caches)
            {
                foreach (var r in cache.List().Where(r => r.Succeeded))
                {
                    var ok = cache.Verify(r);
                    bad += ok ? 0 : 1;
                    output.WriteLine($"{(ok ? "ok     " : "DAMAGED")} {cache.WorkflowId}/{r.Key[..12]} {r.Pass}");
                }
            }

            if (bad > 0)
            {
                error.WriteLine($"error: {bad} damaged entr{(bad == 1 ? "y" : "ies")}; olivenet cache prune removes them (they are rebuilt on the next run)");
            }

            return bad == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));

        command.Add(Sub("prune", "Remove what no run will reuse: failed runs, damaged entries and leftovers of killed runs (in a shared cache: uploads without a record older than --min-age).", output, error, (caches, _) =>
        {
            var removed = 0;
            foreach (var cache in caches)
            {
                foreach (var r in cache.List().Where(r => !r.Succeeded || !cache.Verify(r)))
                {
                    cache.Remove(r.Key);
                    removed++;
                }

                // After the damaged records, so their artifacts are leftovers now.
                removed += cache.RemoveIncomplete();
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"removed {removed} entr{(removed == 1 ? "y" : "ies")}"));
            return ExitCodes.Ok;
        }));

        command.Add(Sub("clear", "Delete the cache of every workflow (or of --workflow); with a container URL, for everyone who shares it.", output, error, (caches, _) =>
        {
            foreach (var cache in caches)
            {
                cache.Clear();
                output.WriteLine($"deleted {cache.WorkflowId} ({cache.Location})");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Sub(string name, string description, TextWriter output, TextWriter error, Func<IReadOnlyList<IWorkflowCache>, ParseResult, int> body)
    {
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "The cache root (a recipe's cache_dir): a folder, or a blob container URL (credentials from the environment, as for olivenet run).",
            DefaultValueFactory = _ => "cache",
        };
        var workflow = new Option<string?>("--workflow") { Description = "Only this workflow_id (default: every workflow in the cache root)." };
        var minAge = new Option<double>("--min-age")
        {
            Description = "Shared caches: minutes an upload without a record must be old before prune deletes it (a younger one may still be uploading).",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command(name, description) { cacheDir, workflow };
        if (name == "prune")
        {
            command.Add(minAge);
        }

        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var given = parse.GetValue(cacheDir)!;
            IReadOnlyList<IWorkflowCache> all;
            string root;
            if (SharedCacheLocation.IsUrl(given))
            {
                SharedCacheLocation location;
                try
                {
                    location = SharedCacheLocation.Parse(given);
                }
                catch (FormatException e)
                {
                    throw new UsageException($"--cache-dir: {e.Message}");
                }

                var age = TimeSpan.FromMinutes(name == "prune" ? parse.GetValue(minAge) : 60);
                all = [.. SharedCache.Workflows(location, TextWriter.Null, age)];
                root = location.ToString();
            }
            else
            {
                root = Path.GetFullPath(given);
                all = ArtifactCache.Workflows(root);
            }

            var only = parse.GetValue(workflow);
            var caches = only is null ? all : all.Where(c => c.WorkflowId == only).ToList();
            if (caches.Count == 0)
            {
                output.WriteLine(only is null ? $"no cache at {root}" : $"no workflow '{only}' in {root}");
                return ExitCodes.Ok;
            }

            return body(caches, parse);
        }));
        return command;
    }
}
