using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;

namespace OliveNet.Engine.Tests;

/// <summary>Options of <see cref="DocStringPass"/>.</summary>
public sealed record DocStringOptions
{
    [Option("Text written into the model's doc_string.", Candidates = ["a", "b"])]
    public string Text { get; init; } = "olivenet";

    [Option("How many times the text is repeated.")]
    public int Repeat { get; init; } = 1;

    [Option("Fail instead of writing, to exercise failure records.")]
    public bool Fail { get; init; }
}

/// <summary>A small real pass for engine tests: loads the model, sets doc_string, saves it.</summary>
public sealed class DocStringPass : IPass<DocStringOptions>
{
    public int Runs { get; private set; }

    public PassMetadata Metadata { get; init; } = new("DocString", 1, "Sets the model doc_string.", [], [], [], DatasetNeed.NotRequired, false, true);

    public IReadOnlyList<string> Validate(DocStringOptions options, Target target) =>
        options.Repeat < 1 ? ["repeat: must be at least 1"] : [];

    public void Run(PassContext context, DocStringOptions options)
    {
        Runs++;
        if (options.Fail)
        {
            throw new PassFailedException("asked to fail");
        }

        var model = OnnxModel.Load(context.Input.ModelPath);
        model.Proto.DocString = string.Concat(Enumerable.Repeat(options.Text, options.Repeat));
        model.Save(context.OutputModelPath);
    }
}

/// <summary>A pass that only serves GPUs, to check target refusal.</summary>
public sealed class GpuOnlyPass : IPass<DocStringOptions>
{
    public PassMetadata Metadata { get; } = new("GpuOnly", 1, "GPU only.", ["gpu"], ["CUDAExecutionProvider"], [], DatasetNeed.NotRequired, false, false);

    public void Run(PassContext context, DocStringOptions options) => throw new PassFailedException("not for this test");
}

internal static class Fixtures
{
    /// <summary>A real model from the ONNX backend test data (Debian libonnx-testdata).</summary>
    public static string ConformanceModel(string name) => Path.Combine("/usr/share/libonnx-testdata/data/node", name, "model.onnx");

    public static ModelArtifact Artifact(string path) => new(path, ArtifactHasher.HashModel(path));
}

/// <summary>A pass that works in small steps for a given time, checking for cancellation between them.</summary>
public sealed class SlowPass : IPass<SlowOptions>
{
    public PassMetadata Metadata { get; } = new("Slow", 1, "Copies the model after working for a while.", [], [], [], DatasetNeed.NotRequired, false, true);

    public void Run(PassContext context, SlowOptions options)
    {
        var until = DateTime.UtcNow.AddMilliseconds(options.WorkMs);
        while (DateTime.UtcNow < until)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Thread.Sleep(10);
        }

        OnnxModel.Load(context.Input.ModelPath).Save(context.OutputModelPath);
    }
}

/// <summary>Options of <see cref="SlowPass"/>.</summary>
public sealed record SlowOptions
{
    [Option("Milliseconds of work.")]
    public int WorkMs { get; init; } = 10;
}
