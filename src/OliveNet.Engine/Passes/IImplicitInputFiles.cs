namespace OliveNet.Engine.Passes;

/// <summary>
/// A pass's options record whose pass reads files that no option names (Gptq's default calibration text, found in the
/// Hugging Face hub cache). The engine adds each file's SHA-256 to the pass's cache key, so the key follows their content.
/// </summary>
public interface IImplicitInputFiles
{
    /// <summary>The files the pass will read with these options; empty when it reads none beyond its path options.</summary>
    IReadOnlyList<string> ImplicitInputFiles();
}
