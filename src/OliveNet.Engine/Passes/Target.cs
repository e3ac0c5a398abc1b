namespace OliveNet.Engine.Passes;

/// <summary>Where a model is meant to run: a device (cpu, gpu, npu) and one ONNX Runtime execution provider.</summary>
public sealed record Target(string Device, string ExecutionProvider)
{
    /// <summary>The default target: the CPU with ONNX Runtime's CPU execution provider.</summary>
    public static Target Cpu { get; } = new("cpu", "CPUExecutionProvider");
}
