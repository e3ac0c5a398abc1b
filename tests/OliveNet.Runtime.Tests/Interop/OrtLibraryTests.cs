using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime.Tests.Interop;

/// <summary>Mutates a process environment variable, so runs alone.</summary>
[CollectionDefinition(nameof(EnvironmentVariableCollection), DisableParallelization = true)]
public sealed class EnvironmentVariableCollection;

[Collection(nameof(EnvironmentVariableCollection))]
public class OrtLibraryTests
{
    [Fact]
    public void Without_the_variable_the_copy_next_to_the_assembly_comes_before_the_npm_cache()
    {
        var saved = Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable);
        Environment.SetEnvironmentVariable(OrtLibrary.EnvironmentVariable, null);
        try
        {
            var candidates = OrtLibrary.Candidates();
            Assert.Equal(2, candidates.Count);
            Assert.Equal(Path.GetDirectoryName(typeof(OrtRuntime).Assembly.Location), Path.GetDirectoryName(candidates[0].Path));
            Assert.EndsWith("onnxruntime-node-1.30.0/package/bin/napi-v6/linux/x64/libonnxruntime.so.1", candidates[1].Path, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(OrtLibrary.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void The_environment_variable_is_the_only_candidate_when_set()
    {
        var saved = Environment.GetEnvironmentVariable(OrtLibrary.EnvironmentVariable);
        Environment.SetEnvironmentVariable(OrtLibrary.EnvironmentVariable, "/nowhere/libonnxruntime.so");
        try
        {
            var candidate = Assert.Single(OrtLibrary.Candidates());
            Assert.Equal("/nowhere/libonnxruntime.so", candidate.Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(OrtLibrary.EnvironmentVariable, saved);
        }
    }
}
