using System.Diagnostics;
using OliveNet.Text.Tokenizers.Normalization;

namespace OliveNet.Text.Tests.Tokenizers;

public sealed class NfcTests
{
    // Unicode's own conformance file (Debian unicode-data): column 2 is NFC of columns 1-3, NFC of 4-5 is column 4.
    [Fact]
    public void Nfc_passes_the_Unicode_normalization_conformance_test()
    {
        const string file = "/usr/share/unicode/NormalizationTest.txt.bz2";
        Assert.True(File.Exists(file), $"{file} is missing; install it with: apt-get install -y unicode-data");
        var start = new ProcessStartInfo("bzcat", [file]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var failures = new List<string>();
        var cases = 0;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] is '#' or '@')
            {
                continue;
            }

            var columns = line.Split(';')[..5].Select(Parse).ToArray();
            cases++;
            for (var c = 0; c < 5; c++)
            {
                var expected = c < 3 ? columns[1] : columns[3];
                if (Nfc.Normalize(columns[c]) != expected)
                {
                    failures.Add(line);
                    break;
                }
            }
        }

        process.WaitForExit();
        Assert.True(cases > 15_000, $"only {cases} cases read");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} lines fail, e.g.\n{string.Join('\n', failures.Take(5))}");
    }

    [Fact]
    public void Quick_check_accepts_plain_text_and_flags_combining_marks()
    {
        Assert.True(Nfc.IsQuickNormalized("Plain ASCII, café, 中文, Русский"));
        Assert.False(Nfc.IsQuickNormalized("cafe\u0301"));
        Assert.False(Nfc.IsQuickNormalized("\u1100\u1161"));
    }

    private static string Parse(string column) =>
        string.Concat(column.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => char.ConvertFromUtf32(Convert.ToInt32(h, 16))));
}
