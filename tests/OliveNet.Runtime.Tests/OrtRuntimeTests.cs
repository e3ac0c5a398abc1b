namespace OliveNet.Runtime.Tests;

public class OrtRuntimeTests
{
    [Fact]
    public void Version_is_the_pinned_onnx_runtime_release() => Assert.Equal("1.30.0", OrtRuntime.Version);

    [Fact]
    public void Build_info_names_the_git_commit() => Assert.Contains("git-commit-id=", OrtRuntime.BuildInfo, StringComparison.Ordinal);

    [Fact]
    public void Available_providers_include_cpu() => Assert.Contains("CPUExecutionProvider", OrtRuntime.AvailableProviders);

    [Fact]
    public void Library_path_points_at_an_existing_libonnxruntime()
    {
        Assert.True(File.Exists(OrtRuntime.LibraryPath), OrtRuntime.LibraryPath);
        Assert.StartsWith("libonnxruntime.so", Path.GetFileName(OrtRuntime.LibraryPath), StringComparison.Ordinal);
    }
}
