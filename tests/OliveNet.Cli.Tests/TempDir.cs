namespace OliveNet.Cli.Tests;

/// <summary>A scratch folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("olivenet-cli-").FullName;

    public string Path { get; }

    public string File(string name, string text)
    {
        var full = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public string File(string name, byte[] bytes)
    {
        var full = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
