using OliveNet.Engine.Artifacts;

namespace OliveNet.Engine.Passes;

/// <summary>Everything a pass may use while it runs. Passes know nothing else of the engine.</summary>
public sealed class PassContext
{
    /// <summary>Creates a context.</summary>
    public PassContext(ModelArtifact input, string outputFolder, Target target, TextWriter log, CancellationToken cancellation)
    {
        Input = input;
        OutputFolder = outputFolder;
        Target = target;
        Log = log;
        Cancellation = cancellation;
    }

    /// <summary>The model to read. Never modify its files.</summary>
    public ModelArtifact Input { get; }

    /// <summary>An empty folder the pass writes its result into: <see cref="OutputModelPath"/> plus external data and companions.</summary>
    public string OutputFolder { get; }

    /// <summary>Where the output must be written: <c>model.onnx</c> in <see cref="OutputFolder"/>.</summary>
    public string OutputModelPath => Path.Combine(OutputFolder, ModelArtifact.ModelFileName);

    /// <summary>The device and execution provider the recipe targets.</summary>
    public Target Target { get; }

    /// <summary>Progress and diagnostic lines for the user.</summary>
    public TextWriter Log { get; }

    /// <summary>Stops the pass between units of work.</summary>
    public CancellationToken Cancellation { get; }
}
