namespace OliveNet.Passes.Tests.Quantization.Accuracy;

/// <summary>
/// Labelled English text lines rendered by <c>tests/fixtures/ocr/render_lines.py</c> with Debian's PIL and DejaVu Sans,
/// preprocessed as PP-OCR rec inputs [1, 3, 48, 320]; cached by the script's hash in <c>~/.cache/olivenet/fixtures/</c>.
/// Never skips: without python3-pil or the font the test fails saying how to install them.
/// </summary>
internal static class RenderedLines
{
    /// <summary>The recognizer input shape each line is rendered to.</summary>
    public static readonly long[] Shape = [1, 3, 48, 320];

    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private static readonly Lazy<IReadOnlyList<(string Label, float[] Pixels)>> LazyLines = new(Load);

    /// <summary>Every line in script order: its label and its normalized CHW pixels.</summary>
    public static IReadOnlyList<(string Label, float[] Pixels)> Lines => LazyLines.Value;

    private static IReadOnlyList<(string Label, float[] Pixels)> Load()
    {
        var folder = Render();
        var labels = File.ReadAllLines(Path.Combine(folder, "labels.txt"));
        var count = (int)Shape.Aggregate(1L, (a, b) => a * b);
        return labels.Select((label, i) =>
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, $"line_{i:D2}.f32"));
            Assert.True(bytes.Length == count * sizeof(float), $"line_{i:D2}.f32 holds {bytes.Length} bytes, not {count} floats.");
            return (label, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        }).ToList();
    }

    private static string Render() => ScriptFixtures.Produce(
        "ocr-lines",
        string.Empty,
        [Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "ocr", "render_lines.py")],
        () => Assert.True(
            File.Exists(ScriptFixtures.Python) && File.Exists(Font) && ScriptFixtures.Run(ScriptFixtures.Python, ["-c", "import PIL"]).ExitCode == 0,
            $"render_lines.py needs PIL for {ScriptFixtures.Python} and {Font}; install them with: apt-get install -y python3-pil fonts-dejavu-core"),
        temp => File.Exists(Path.Combine(temp, "labels.txt")));

}
