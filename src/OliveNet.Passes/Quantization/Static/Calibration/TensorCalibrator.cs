namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// Accumulates the values one tensor takes over the calibration samples, one batch at a time, in bounded memory
/// (running extremes or a histogram, never the values themselves), then picks the range to quantize to.
/// </summary>
public abstract class TensorCalibrator
{
    /// <summary>Folds one batch of the tensor's values in.</summary>
    public abstract void Collect(ReadOnlySpan<float> values);

    /// <summary>The range to quantize to.</summary>
    /// <exception cref="InvalidOperationException">Nothing was collected.</exception>
    public abstract TensorRange Range();
}
