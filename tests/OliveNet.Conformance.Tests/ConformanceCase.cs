namespace OliveNet.Conformance.Tests;

/// <summary>One ONNX backend test case: a model and its data sets, found under the Debian test-data folder.</summary>
public sealed record ConformanceCase(string Id, string Folder)
{
    /// <summary>Where <c>apt-get install libonnx-testdata</c> puts the ONNX backend test data.</summary>
    public const string DataRoot = "/usr/share/libonnx-testdata/data";

    /// <summary>The suites the issue names; <c>real/</c> holds only URL stubs and is not a suite.</summary>
    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    /// <summary>The model file of the case.</summary>
    public string ModelPath => Path.Combine(Folder, "model.onnx");

    /// <summary>The <c>test_data_set_N</c> folders, in numeric order.</summary>
    public IReadOnlyList<string> DataSets => Directory.EnumerateDirectories(Folder, "test_data_set_*")
        .OrderBy(d => int.Parse(Path.GetFileName(d)["test_data_set_".Length..], System.Globalization.CultureInfo.InvariantCulture))
        .ToList();

    /// <summary>Every case of every suite, ordered by id.</summary>
    /// <exception cref="InvalidOperationException">The test data is not installed.</exception>
    public static IReadOnlyList<ConformanceCase> All()
    {
        if (!Directory.Exists(Path.Combine(DataRoot, "node")))
        {
            throw new InvalidOperationException(
                $"ONNX backend test data not found at {DataRoot}: install it with `apt-get install -y libonnx-testdata` (.ci/run does this).");
        }

        return Suites
            .SelectMany(suite => Directory.EnumerateDirectories(Path.Combine(DataRoot, suite))
                .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
                .Select(d => new ConformanceCase($"{suite}/{Path.GetFileName(d)}", d)))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Looks a case up by id.</summary>
    public static ConformanceCase Get(string id) => new(id, Path.Combine(DataRoot, id));
}
