namespace OliveNet.Engine.Passes;

/// <summary>What the engine knows about a pass without running it.</summary>
/// <param name="Id">The Olive pass type name where one exists (matched case-insensitively in recipes).</param>
/// <param name="Version">Bumped whenever the pass's output for the same input and options changes; part of every cache key.</param>
/// <param name="Summary">One line for <c>olivenet passes</c>.</param>
/// <param name="Devices">Devices the pass can serve (cpu, gpu, npu); empty = any.</param>
/// <param name="ExecutionProviders">Execution providers the pass's output is meant for; empty = any.</param>
/// <param name="Precisions">Precisions the pass produces (fp32, fp16, int8, int4); empty = unchanged.</param>
/// <param name="Dataset">Whether the pass reads a data config.</param>
/// <param name="RunsOnTarget">The pass must run on the target system (it measures or compiles for it).</param>
/// <param name="TargetAgnostic">The output does not depend on the target, so the target is left out of the cache key.</param>
public sealed record PassMetadata(
    string Id,
    int Version,
    string Summary,
    IReadOnlyList<string> Devices,
    IReadOnlyList<string> ExecutionProviders,
    IReadOnlyList<string> Precisions,
    DatasetNeed Dataset,
    bool RunsOnTarget,
    bool TargetAgnostic)
{
    /// <summary>
    /// The output may compute something else than the input (quantization, float16, low-bit export): the engine measures
    /// its fidelity against its input after every run and fails the pass when it collapses (<c>min_fidelity</c>).
    /// </summary>
    public bool Lossy { get; init; }

    /// <summary>The pass takes a Hugging Face checkpoint (HfModel) as its input (ModelBuilder, Rtn, Gptq, SelectiveMixedPrecision).</summary>
    public bool ReadsCheckpoint { get; init; }

    /// <summary>
    /// The pass rewrites every ONNX component of a multi-component model (the ones genai_config.json names, such as a
    /// Whisper encoder beside its decoder), not only <c>model.onnx</c>. The engine refuses other passes on such a model
    /// rather than publish it with components the pass never saw.
    /// </summary>
    public bool AllComponents { get; init; }

    /// <summary>The pass writes a Hugging Face checkpoint (config.json and safetensors) rather than an ONNX model, for a later checkpoint pass.</summary>
    public bool WritesCheckpoint { get; init; }
}
