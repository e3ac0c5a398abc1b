namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>The calibrated float range of one tensor; scale and zero point are derived from it by <c>QuantMath.Compute</c>.</summary>
public readonly record struct TensorRange(float Min, float Max);
