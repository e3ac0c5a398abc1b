namespace OliveNet.Engine.Artifacts;

/// <summary>
/// An immutable model on disk: the model file, its external data and companion files in one folder, and a content id.
/// Passes never edit an artifact; they write a new one.
/// </summary>
/// <param name="ModelPath">Full path of the <c>.onnx</c> file.</param>
/// <param name="Id">SHA-256 (lower-case hex) of the artifact's content, see <see cref="ArtifactHasher"/>.</param>
public sealed record ModelArtifact(string ModelPath, string Id)
{
    /// <summary>The folder holding the model file and its external data.</summary>
    public string Folder => Path.GetDirectoryName(ModelPath)!;

    /// <summary>The name every artifact the engine writes gives its model file.</summary>
    public const string ModelFileName = "model.onnx";
}
