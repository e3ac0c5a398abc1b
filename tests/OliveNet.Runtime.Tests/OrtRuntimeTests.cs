using System.Xml.Linq;

namespace OliveNet.Runtime.Tests;

public class OrtRuntimeTests
{
    [Fact]
    public void Version_is_the_centrally_pinned_package_release()
    {
        var props = XDocument.Load(Path.Combine(RepoRoot(), "Directory.Packages.props"));
        var pinned = props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.OnnxRuntime").Attribute("Version")!.Value;
        Assert.Equal(pinned, OrtRuntime.Version);
    }

    [Fact]
    public void The_flavour_is_the_one_the_build_chose() => Assert.Contains(OrtRuntime.Flavor, new[] { "cpu", "gpu" });

    [Fact]
    public void The_loaded_library_is_the_flavours_own()
    {
        // Both native packages ship a libonnxruntime.so; GenAI's dependency on the CPU one must not overwrite the CUDA
        // build's in the GPU flavour (it did, until Directory.Build.props excluded it), nor the reverse.
        Assert.Contains("CPUExecutionProvider", OrtRuntime.AvailableProviders);
        if (OrtRuntime.Flavor == "gpu")
        {
            Assert.Contains("CUDAExecutionProvider", OrtRuntime.AvailableProviders);
        }
        else
        {
            Assert.DoesNotContain("CUDAExecutionProvider", OrtRuntime.AvailableProviders);
        }
    }

    [Fact]
    public void Library_path_points_at_the_nuget_package_library_next_to_the_tests()
    {
        Assert.True(File.Exists(OrtRuntime.LibraryPath), OrtRuntime.LibraryPath);
        Assert.Equal("libonnxruntime.so", Path.GetFileName(OrtRuntime.LibraryPath));
    }

    [Fact]
    public void The_build_copies_the_native_libraries_of_this_platform_only()
    {
        // Directory.Build.targets: seven platforms' natives took 440 MB per output and filled a CI disk.
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        var withNatives = Directory.GetDirectories(runtimes).Where(d => Directory.Exists(Path.Combine(d, "native"))).Select(Path.GetFileName).ToList();
        Assert.Equal([System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier], withNatives);
        Assert.True(File.Exists(Path.Combine(runtimes, System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "native", Path.GetFileName(OrtRuntime.LibraryPath))));
    }

    [Fact]
    public void An_ort_error_keeps_its_code_and_loses_the_managed_prefix()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"olivenet-missing-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<OrtException>(() => new InferenceSession(missing));
        Assert.Equal(OrtErrorCode.NoSuchFile, e.Code);
        Assert.StartsWith($"Cannot create an inference session for '{missing}': ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("[ErrorCode:", e.Message, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Directory.Packages.props not found above " + AppContext.BaseDirectory);
    }
}
