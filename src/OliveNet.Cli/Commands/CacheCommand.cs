using System.CommandLine;
using System.Globalization;
using OliveNet.Cli.Output;
using OliveNet.Engine.Caching;

namespace OliveNet.Cli.Commands;

/// <summary><c>olivenet cache list|show|verify|prune|clear</c>: look after the pass-run cache.</summary>
internal static class CacheCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("cache", "Inspect and maintain the cache of pass runs (<cache_dir>/<workflow_id>/runs/<key>).");
        command.Add(Sub("list", "List every entry: key, pass, status, output model id, size.", output, error, (caches, _) =>
        {
            foreach (var cache in caches)
            {
                output.WriteLine($"{Path.GetFileName(cache.Root)}  ({cache.Root})");
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

        command.Add(Sub("verify", "Re-hash every successful entry against its record; exit 1 if any does not match.", output, error, (caches, _) =>
        {
            var bad = 0;
            foreach (var cache in caches)
            {
                foreach (var r in cache.List().Where(r => r.Succeeded))
                {
                    var ok = cache.Verified(r) is not null;
                    bad += ok ? 0 : 1;
                    output.WriteLine($"{(ok ? "ok     " : "DAMAGED")} {Path.GetFileName(cache.Root)}/{r.Key[..12]} {r.Pass}");
                }
            }

            if (bad > 0)
            {
                error.WriteLine($"error: {bad} damaged entr{(bad == 1 ? "y" : "ies")}; olivenet cache prune removes them (they are rebuilt on the next run)");
            }

            return bad == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));

        command.Add(Sub("prune", "Remove what no run will reuse: leftovers of killed runs, failed runs and damaged entries.", output, error, (caches, _) =>
        {
            var removed = 0;
            foreach (var cache in caches)
            {
                removed += cache.RemoveIncomplete();
                foreach (var r in cache.List().Where(r => !r.Succeeded || cache.Verified(r) is null))
                {
                    cache.Remove(r.Key);
                    removed++;
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"removed {removed} entr{(removed == 1 ? "y" : "ies")}"));
            return ExitCodes.Ok;
        }));

        command.Add(Sub("clear", "Delete the cache of every workflow (or of --workflow).", output, error, (caches, _) =>
        {
            foreach (var cache in caches)
            {
                cache.Clear();
                output.WriteLine($"deleted {cache.Root}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Sub(string name, string description, TextWriter output, TextWriter error, Func<IReadOnlyList<ArtifactCache>, ParseResult, int> body)
    {
        var cacheDir = new Option<string>("--cache-dir")
        {
            Description = "The cache root (a recipe's cache_dir).",
            DefaultValueFactory = _ => "cache",
        };
        var workflow = new Option<string?>("--workflow") { Description = "Only this workflow_id (default: every workflow in the cache root)." };
        var command = new Command(name, description) { cacheDir, workflow };
        command.SetAction(parse => CommandErrors.Guard(error, () =>
        {
            var root = Path.GetFullPath(parse.GetValue(cacheDir)!);
            var all = ArtifactCache.Workflows(root);
            var only = parse.GetValue(workflow);
            var caches = only is null ? all : all.Where(c => Path.GetFileName(c.Root) == only).ToList();
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
