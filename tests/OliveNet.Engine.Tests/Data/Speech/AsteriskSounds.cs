using System.IO.Compression;
using System.Text;

namespace OliveNet.Engine.Tests.Data.Speech;

/// <summary>
/// Real speech: Debian's asterisk-core-sounds-en-wav (8 kHz mono 16-bit prompts read by a person, with their transcripts
/// in core-sounds-en.txt.gz). test.sh installs it.
/// </summary>
internal static class AsteriskSounds
{
    public const string Folder = "/usr/share/asterisk/sounds/en_US_f_Allison";

    private const string Transcripts = "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz";

    public static string Wav(string name)
    {
        var path = Path.Combine(Folder, name + ".wav");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing; run: apt-get install -y asterisk-core-sounds-en-wav (test.sh lists it)");
    }

    /// <summary>Prompt name → transcript, from the package's list (lines "name: text").</summary>
    public static IReadOnlyDictionary<string, string> Texts()
    {
        using var gz = new GZipStream(File.OpenRead(Transcripts), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (!line.StartsWith(';') && colon > 0)
            {
                texts[line[..colon]] = line[(colon + 2)..];
            }
        }

        return texts;
    }

    /// <summary>
    /// An audiofolder in <paramref name="dir"/>: the prompts copied under clips/ and a metadata.csv with their transcripts,
    /// or the text <paramref name="texts"/> gives for a prompt.
    /// </summary>
    public static void WriteAudioFolder(string dir, IReadOnlyList<string> names, IReadOnlyDictionary<string, string>? texts = null)
    {
        var all = Texts();
        Directory.CreateDirectory(Path.Combine(dir, "clips"));
        var csv = new StringBuilder("file_name,text\n");
        foreach (var name in names)
        {
            File.Copy(Wav(name), Path.Combine(dir, "clips", name + ".wav"));
            var text = texts is not null && texts.TryGetValue(name, out var given) ? given : all[name];
            csv.Append(CultureInvariant($"clips/{name}.wav,\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n"));
        }

        File.WriteAllText(Path.Combine(dir, "metadata.csv"), csv.ToString());
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);
}
