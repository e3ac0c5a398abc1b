namespace OliveNet.Passes.Quantization.Common;

/// <summary>Affine quantization parameters: <c>q = clamp(round(x / Scale) + ZeroPoint, qmin, qmax)</c>, <c>x ≈ (q − ZeroPoint)·Scale</c>.</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint);
