namespace OliveNet.Engine.Artifacts;

/// <summary>
/// An immutable model on disk: the model file, its external data and companion files in one folder, and a content id.
/// Passes never edit an artifact; they write a new one.
/// </summary>
/// <param name="ModelPath">Full path of the <c>.onnx</c> (or <c>.gguf</c>) file.</param>
/// <param name="Id">SHA-256 (lower-case hex) of the artifact's content, see <see cref="ArtifactHasher"/>.</param>
public sealed record ModelArtifact(string ModelPath, string Id)
{
    /// <summary>The folder holding the model file and its external data.</summary>
    public string Folder => Path.GetDirectoryName(ModelPath)!;

    /// <summary>The name every artifact the engine writes gives its model file.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The name of the model file of a GGUF artifact (llama.cpp/Ollama), written by the GgufExport pass.</summary>
    public const string GgufFileName = "model.gguf";

    /// <summary>True when the model is one GGUF file (llama.cpp) rather than ONNX; only llama.cpp-based evaluation reads it.</summary>
    public bool IsGguf => Path.GetFileName(ModelPath) == GgufFileName;

    /// <summary>The file that marks a Hugging Face checkpoint; a checkpoint artifact's <see cref="ModelPath"/> points at it.</summary>
    public const string CheckpointConfigFileName = "config.json";

    /// <summary>
    /// True when this artifact is a Hugging Face checkpoint folder (an HfModel input) rather than an ONNX model; only an
    /// export pass (ModelBuilder) can read it.
    /// </summary>
    public bool IsCheckpoint => Path.GetFileName(ModelPath) == CheckpointConfigFileName;

    /// <summary>
    /// The file a pass output folder's artifact points at: <see cref="ModelFileName"/>; else <see cref="GgufFileName"/> (GgufExport);
    /// else <see cref="CheckpointConfigFileName"/> when <paramref name="written"/> holds a checkpoint (a checkpoint-to-checkpoint
    /// pass such as Rtn).
    /// </summary>
    /// <param name="written">The folder as written (it may be renamed into <paramref name="folder"/> afterwards).</param>
    /// <param name="folder">Where the folder lives from now on.</param>
    public static string EntryFile(string written, string folder)
    {
        var name = File.Exists(Path.Combine(written, ModelFileName)) ? ModelFileName
            : File.Exists(Path.Combine(written, GgufFileName)) ? GgufFileName
            : File.Exists(Path.Combine(written, CheckpointConfigFileName)) ? CheckpointConfigFileName
            : ModelFileName;
        return Path.Combine(folder, name);
    }

    /// <summary>The artifact of the checkpoint in <paramref name="folder"/>, identified by <see cref="ArtifactHasher.HashCheckpoint"/>.</summary>
    public static ModelArtifact Checkpoint(string folder) =>
        new(Path.Combine(Path.GetFullPath(folder), CheckpointConfigFileName), ArtifactHasher.HashCheckpoint(folder));
}
