using System.Text;
using System.Text.Json;

namespace OliveNet.Engine.Data.Speech;

/// <summary>
/// Hugging Face's <c>audiofolder</c> layout read offline: a folder of audio files with <c>metadata.jsonl</c> (one JSON
/// object per line) or <c>metadata.csv</c> (a header row, RFC 4180 quoting) whose <c>file_name</c> column names each
/// file relative to the metadata file, and other columns (the transcript among them). When the folder has a sub-folder
/// named after the requested split holding a metadata file, that sub-folder is read, as Hugging Face maps split folders.
/// Rows are returned in the metadata file's order, as the datasets library yields them.
/// </summary>
internal static class AudioFolder
{
    public const string FileNameColumn = "file_name";

    /// <summary>The rows of the metadata file: column name → text value, plus the folder they are relative to.</summary>
    public static (string Folder, List<Dictionary<string, string>> Rows) Read(ComponentParams p)
    {
        var root = Loaders.ExistingFolder(p, "data_dir");
        var folder = p.String("split") is { } split && Metadata(Path.Combine(root, split)) is not null ? Path.Combine(root, split) : root;
        var file = Metadata(folder)
            ?? throw new DataException($"{p.Where}: {folder} has no metadata.jsonl or metadata.csv; an audiofolder lists its clips there with a file_name column and a transcript column");
        var rows = file.EndsWith(".jsonl", StringComparison.Ordinal) ? Jsonl(file) : Csv(file);
        foreach (var (row, i) in rows.Select((r, i) => (r, i)))
        {
            if (!row.TryGetValue(FileNameColumn, out var name) || name.Length == 0)
            {
                throw new DataException($"{file}: row {i + 1} has no {FileNameColumn}; every row names its audio file");
            }
        }

        return (folder, rows);
    }

    private static readonly string[] MetadataFiles = ["metadata.jsonl", "metadata.csv"];

    private static string? Metadata(string folder) =>
        MetadataFiles.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);

    private static List<Dictionary<string, string>> Jsonl(string file)
    {
        var rows = new List<Dictionary<string, string>>();
        foreach (var (line, i) in File.ReadLines(file).Select((l, i) => (l, i)))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new DataException($"{file}:{i + 1}: each line must be a JSON object");
                }

                rows.Add(doc.RootElement.EnumerateObject().ToDictionary(
                    x => x.Name, x => x.Value.ValueKind == JsonValueKind.String ? x.Value.GetString()! : x.Value.GetRawText(), StringComparer.Ordinal));
            }
            catch (JsonException e)
            {
                throw new DataException($"{file}:{i + 1}: not valid JSON ({e.Message})");
            }
        }

        return rows;
    }

    private static List<Dictionary<string, string>> Csv(string file)
    {
        var records = CsvRecords(File.ReadAllText(file, Encoding.UTF8), file);
        if (records.Count == 0)
        {
            return [];
        }

        var header = records[0];
        return [.. records.Skip(1).Where(r => r.Count > 1 || r[0].Length > 0).Select((r, i) => r.Count == header.Count
            ? header.Zip(r).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal)
            : throw new DataException($"{file}: record {i + 2} has {r.Count} fields, the header {header.Count}"))];
    }

    /// <summary>RFC 4180 records: fields split on commas, double quotes around fields holding commas, quotes or line breaks.</summary>
    private static List<List<string>> CsvRecords(string text, string file)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        text = text.TrimStart('\uFEFF');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new DataException($"{file}: a quoted field is not closed");
        }

        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }
}
