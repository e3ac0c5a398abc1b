using Parquet;

namespace OliveNet.Engine.Data;

/// <summary>
/// Hugging Face hub datasets already on this machine: the Parquet files the <c>datasets</c> library (or
/// <c>hf download --repo-type dataset</c>) keeps in the hub cache, <c>datasets--{org}--{name}/snapshots/{revision}/{subset}/{split}-*.parquet</c>.
/// OliveNet never downloads; a dataset that is not in the cache is reported with the command that fetches it.
/// </summary>
public static class HubDatasets
{
    /// <summary>Olive's default calibration text for Gptq and SelectiveMixedPrecision: wikitext-2 (raw), train split.</summary>
    public static readonly HubDataset Wikitext2Train = new("Salesforce/wikitext", "wikitext-2-raw-v1", "train");

    /// <summary>
    /// The hub cache folder (datasets and model snapshots): <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
    /// <c>~/.cache/huggingface/hub</c>, as huggingface_hub resolves it.
    /// </summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } hub ? hub
        : Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } home ? Path.Combine(home, "hub")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");

    /// <summary>
    /// The Parquet files of <paramref name="dataset"/> in the hub cache, sorted; null when it is not there. The revision is
    /// the one <c>refs/main</c> names, else the only snapshot.
    /// </summary>
    public static IReadOnlyList<string>? Find(HubDataset dataset)
    {
        foreach (var name in Names(dataset.Name))
        {
            var repo = Path.Combine(CacheRoot, "datasets--" + name.Replace("/", "--", StringComparison.Ordinal));
            var snapshots = Path.Combine(repo, "snapshots");
            if (!Directory.Exists(snapshots))
            {
                continue;
            }

            var main = Path.Combine(repo, "refs", "main");
            var revisions = File.Exists(main) ? [Path.Combine(snapshots, File.ReadAllText(main).Trim())] : Directory.GetDirectories(snapshots);
            if (revisions.Length != 1 || !Directory.Exists(revisions[0]))
            {
                continue;
            }

            var folder = dataset.Subset is null ? Path.Combine(revisions[0], "data") : Path.Combine(revisions[0], dataset.Subset);
            if (Directory.Exists(folder) && Directory.GetFiles(folder, dataset.Split + "-*.parquet").Order(StringComparer.Ordinal).ToList() is { Count: > 0 } files)
            {
                return files;
            }
        }

        return null;
    }

    /// <summary>What to tell a user whose cache lacks <paramref name="dataset"/>: where it was looked for and how to fetch it.</summary>
    public static string Missing(HubDataset dataset) =>
        $"the Hugging Face dataset {dataset.Name} ({dataset.Subset ?? "default"}, split {dataset.Split}) is not in the hub cache {CacheRoot} "
        + $"(OliveNet does not download); fetch it once where the hub is reachable: hf download --repo-type dataset {dataset.Name}"
        + (dataset.Subset is null ? string.Empty : $" --include '{dataset.Subset}/*'") + " (set HF_HUB_CACHE or HF_HOME to use another cache)";

    /// <summary>The values of the string column <paramref name="column"/> of every row of <paramref name="files"/>, in order (nulls as empty strings).</summary>
    /// <exception cref="DataException">A file is not Parquet or has no such string column.</exception>
    public static IEnumerable<string> ReadColumn(IReadOnlyList<string> files, string column)
    {
        foreach (var file in files)
        {
            foreach (var value in ReadFile(file, column))
            {
                yield return value;
            }
        }
    }

    private static List<string> ReadFile(string file, string column)
    {
        try
        {
            return ReadFileAsync(file, column).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException or ParquetException)
        {
            throw new DataException($"{file}: cannot read it as Parquet ({e.Message})");
        }
    }

    private static async Task<List<string>> ReadFileAsync(string file, string column)
    {
        await using var reader = await ParquetReader.CreateAsync(file).ConfigureAwait(false);
        var field = reader.Schema.GetDataFields().FirstOrDefault(f => f.Name == column)
            ?? throw new DataException($"{file} has no column '{column}'; its columns: {string.Join(", ", reader.Schema.GetDataFields().Select(f => f.Name))}");
        var values = new List<string>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = new string?[group.RowCount];
            await group.ReadAsync(field, rows.AsMemory()).ConfigureAwait(false);
            values.AddRange(rows.Select(r => r ?? string.Empty));
        }

        return values;
    }

    /// <summary>
    /// The columns <paramref name="strings"/> (strings), <paramref name="lists"/> (lists of strings) and
    /// <paramref name="integers"/> of every row of <paramref name="files"/>, in order, as one dictionary per row.
    /// </summary>
    /// <exception cref="DataException">A file is not Parquet or lacks a column.</exception>
    public static List<Dictionary<string, object>> ReadRows(IReadOnlyList<string> files, string[] strings, string[] lists, string[] integers)
    {
        var rows = new List<Dictionary<string, object>>();
        foreach (var file in files)
        {
            try
            {
                rows.AddRange(ReadRowsAsync(file, strings, lists, integers).GetAwaiter().GetResult());
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException or ParquetException)
            {
                throw new DataException($"{file}: cannot read it as Parquet ({e.Message})");
            }
        }

        return rows;
    }

    private static async Task<List<Dictionary<string, object>>> ReadRowsAsync(string file, string[] strings, string[] lists, string[] integers)
    {
        await using var reader = await ParquetReader.CreateAsync(file).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields();
        Parquet.Schema.DataField Field(string column, bool list) =>
            fields.FirstOrDefault(f => list ? f.Path.ToString().StartsWith(column + "/", StringComparison.Ordinal) && f.MaxRepetitionLevel == 1 : f.Name == column && f.MaxRepetitionLevel == 0)
            ?? throw new DataException($"{file} has no {(list ? "list " : string.Empty)}column '{column}'; its columns: {string.Join(", ", fields.Select(f => f.Path.ToString()))}");

        var rows = new List<Dictionary<string, object>>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = (int)group.RowCount;
            var block = Enumerable.Range(0, count).Select(_ => new Dictionary<string, object>(StringComparer.Ordinal)).ToList();
            foreach (var column in strings)
            {
                var values = new string?[count];
                await group.ReadAsync(Field(column, false), values.AsMemory()).ConfigureAwait(false);
                for (var i = 0; i < count; i++)
                {
                    block[i][column] = values[i] ?? string.Empty;
                }
            }

            foreach (var column in lists)
            {
                var field = Field(column, true);
                var total = (int)(group.GetMetadata(field)?.MetaData?.NumValues ?? 0);
                var values = new ReadOnlyMemory<char>[total];
                var definitions = new int[total];
                var repetitions = new int[total];
                await group.ReadRawAsync(field, values.AsMemory(), definitions.AsMemory(), repetitions.AsMemory()).ConfigureAwait(false);
                var row = -1;
                var next = 0;
                for (var i = 0; i < total; i++)
                {
                    if (repetitions[i] == 0)
                    {
                        block[++row][column] = new List<string>();
                    }

                    // A level below the maximum is an empty list or a null item: no value is stored for it.
                    if (definitions[i] == field.MaxDefinitionLevel)
                    {
                        ((List<string>)block[row][column]).Add(values[next++].ToString());
                    }
                }
            }

            foreach (var column in integers)
            {
                var field = Field(column, false);
                var values = new long[count];
                if (field.ClrType == typeof(int))
                {
                    var narrow = new int[count];
                    await group.ReadAsync(field, narrow.AsMemory()).ConfigureAwait(false);
                    values = [.. narrow.Select(v => (long)v)];
                }
                else
                {
                    await group.ReadAsync(field, values.AsMemory()).ConfigureAwait(false);
                }

                for (var i = 0; i < count; i++)
                {
                    block[i][column] = values[i];
                }
            }

            rows.AddRange(block);
        }

        return rows;
    }

    // `datasets` resolves the bare "wikitext" to its current home, Salesforce/wikitext.
    private static IEnumerable<string> Names(string name) =>
        name == "wikitext" ? ["Salesforce/wikitext", "wikitext"] : name == "Salesforce/wikitext" ? [name, "wikitext"] : [name];
}

/// <summary>A dataset on the Hugging Face hub: its id, subset (configuration) and split.</summary>
public sealed record HubDataset(string Name, string? Subset, string Split);
