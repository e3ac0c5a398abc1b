using OliveNet.Engine.Caching;
using OliveNet.Engine.Passes;

namespace OliveNet.Engine.Tests.Caching;

/// <summary>A file named by a path option is keyed by its content, so editing it reruns the pass.</summary>
public sealed class PathOptionFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("olivenet-pathkeys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Editing_the_file_changes_the_keyed_options_and_options_without_files_stay_as_they_are()
    {
        var file = Path.Combine(_folder, "calibration.txt");
        File.WriteAllText(file, "In the beginning");
        var options = PassOptions.Canonical(new WithFile { Text = file, Count = 3 });
        var first = PathOptionFiles.WithContentHashes(options, typeof(WithFile));
        File.WriteAllText(file, "In the beginning God");
        var second = PathOptionFiles.WithContentHashes(options, typeof(WithFile));

        Assert.Contains("text#sha256", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        var folderOnly = PassOptions.Canonical(new WithFile { Text = _folder, Count = 3 });
        Assert.Equal(folderOnly, PathOptionFiles.WithContentHashes(folderOnly, typeof(WithFile)));
    }

    private sealed record WithFile
    {
        [Option("A file.", IsPath = true)]
        public string? Text { get; init; }

        [Option("A number.")]
        public int Count { get; init; }
    }
}
