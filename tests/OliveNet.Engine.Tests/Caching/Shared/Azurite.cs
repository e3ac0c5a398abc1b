using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace OliveNet.Engine.Tests.Caching.Shared;

/// <summary>
/// A real Azurite blob service (npm azurite 3.37.0, installed by <c>build/fetch-azurite.sh</c>) on 127.0.0.1 on a free
/// port with its own temp data folder; stopped and deleted on dispose. Fails loudly when it cannot start.
/// </summary>
internal sealed class Azurite : IDisposable
{
    /// <summary>Azurite's built-in account and its published development key (learn.microsoft.com, "Use Azurite").</summary>
    public const string Account = "devstoreaccount1";

    public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<string> Main = new(FetchAzurite);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("olivenet-azurite-");
    private readonly Process _process;
    private readonly StringWriter _stderr = new();

    public Azurite()
    {
        Port = FreePort();
        var psi = new ProcessStartInfo("node",
            [Main.Value, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--location", _data.FullName, "--silent", "--skipApiVersionCheck", "--disableTelemetry"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => _stderr.WriteLine(e.Data);
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!Listening())
        {
            if (_process.HasExited)
            {
                Assert.Fail($"Azurite exited ({_process.ExitCode}) before listening: {_stderr}");
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Azurite did not listen on 127.0.0.1:{Port} within 60 s: {_stderr}");
            }

            Thread.Sleep(100);
        }
    }

    public int Port { get; }

    /// <summary>A container URL in the path style Azurite serves (the container is not created).</summary>
    public string Url(string container) => $"http://127.0.0.1:{Port}/{Account}/{container}";

    /// <summary>The environment a shared cache reads its credentials from: the account key.</summary>
    public static string? Environment(string name) => name == "AZURE_STORAGE_KEY" ? Key : null;

    /// <summary>Creates a container with a fresh name and returns its URL.</summary>
    public string NewContainer()
    {
        var name = $"c{Guid.NewGuid():N}"[..20];
        Container(name).Create();
        return Url(name);
    }

    /// <summary>A client for one container, with the account key.</summary>
    public BlobContainerClient Container(string name) =>
        new(new Uri(Url(name)), new StorageSharedKeyCredential(Account, Key));

    /// <summary>A client for the whole account.</summary>
    public BlobServiceClient Service => new(new Uri($"http://127.0.0.1:{Port}/{Account}"), new StorageSharedKeyCredential(Account, Key));

    /// <summary>A client for the container a URL names.</summary>
    public BlobContainerClient ContainerOf(string url) => Container(url.Split('/')[^1]);

    /// <summary>Stops the service (SIGKILL): requests are then refused.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        _data.Delete(recursive: true);
    }

    private bool Listening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FetchAzurite()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "OliveNet.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var psi = new ProcessStartInfo("bash", [Path.Combine(root.FullName, "build", "fetch-azurite.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root.FullName,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"build/fetch-azurite.sh failed ({p.ExitCode}): {stderr.Result}");
        var main = stdout.Trim().Split('\n')[^1];
        Assert.True(File.Exists(main), $"build/fetch-azurite.sh printed '{main}', which is not a file.");
        return main;
    }
}
