namespace OliveNet.Engine.Passes;

/// <summary>Where a model is meant to run: a device (cpu, gpu, npu) and one ONNX Runtime execution provider.</summary>
public sealed record Target(string Device, string ExecutionProvider)
{
    /// <summary>
    /// The provider to use instead when this ONNX Runtime build cannot create <see cref="ExecutionProvider"/> on this machine
    /// (recipes: a second entry in <c>execution_providers</c>); null = no fallback, such a run fails before anything runs.
    /// </summary>
    public string? FallbackExecutionProvider { get; init; }

    /// <summary>The default target: the CPU with ONNX Runtime's CPU execution provider.</summary>
    public static Target Cpu { get; } = new("cpu", "CPUExecutionProvider");
}
