namespace OliveNet.Passes.Quantization.Static;

/// <summary>
/// Fixed quantization parameters for one activation, replacing its calibrated ones (ONNX Runtime's
/// <c>TensorQuantOverrides</c> entry with <c>scale</c> and <c>zero_point</c>; its other keys are not supported).
/// </summary>
public sealed record TensorQuantOverride
{
    /// <summary>The scale; must be positive.</summary>
    public float Scale { get; init; }

    /// <summary>The zero point, within the activation type's range.</summary>
    public int ZeroPoint { get; init; }
}
