using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Tests;

/// <summary>Runs a pass the way the engine does: validated options, a fresh output folder, the CPU target.</summary>
internal static class PassRunner
{
    /// <summary>Runs <paramref name="pass"/> on <paramref name="modelPath"/> into <paramref name="outputFolder"/>; returns the output model path.</summary>
    public static string Run<TOptions>(IPass<TOptions> pass, string modelPath, TOptions options, string outputFolder, TextWriter? log = null)
        where TOptions : class, new()
    {
        var problems = pass.Validate(options, Target.Cpu);
        Assert.True(problems.Count == 0, "Options should be valid: " + string.Join(" ", problems));
        Directory.CreateDirectory(outputFolder);
        var context = new PassContext(new ModelArtifact(modelPath, "test"), outputFolder, Target.Cpu, log ?? TextWriter.Null, default);
        pass.Run(context, options);
        Assert.True(File.Exists(context.OutputModelPath), $"The pass wrote no {ModelArtifact.ModelFileName}.");
        return context.OutputModelPath;
    }

    /// <summary>Every file of a folder (name → bytes), for byte-identity checks.</summary>
    public static SortedDictionary<string, byte[]> Files(string folder) =>
        new(Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes), StringComparer.Ordinal);

    /// <summary>Asserts two output folders hold the same files with the same bytes.</summary>
    public static void AssertSameFiles(string first, string second)
    {
        var a = Files(first);
        var b = Files(second);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (name, bytes) in a)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs between two runs with the same input and options.");
        }
    }
}
