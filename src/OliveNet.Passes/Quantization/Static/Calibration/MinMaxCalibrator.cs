using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// ONNX Runtime's MinMax calibration: the overall minimum and maximum; with a moving average, each batch's minimum and
/// maximum are folded in as <c>old + c·(new − old)</c> after the first batch, which sets them.
/// </summary>
public sealed class MinMaxCalibrator(bool movingAverage = false, float averagingConstant = 0.01f) : TensorCalibrator
{
    private float _min = float.NaN;
    private float _max = float.NaN;

    /// <inheritdoc/>
    public override void Collect(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var (lo, hi) = SpanStats.MinMax(values);
        if (float.IsNaN(_min))
        {
            (_min, _max) = (lo, hi);
        }
        else if (movingAverage)
        {
            _min += averagingConstant * (lo - _min);
            _max += averagingConstant * (hi - _max);
        }
        else
        {
            _min = Math.Min(_min, lo);
            _max = Math.Max(_max, hi);
        }
    }

    /// <inheritdoc/>
    public override TensorRange Range() =>
        float.IsNaN(_min) ? throw new InvalidOperationException("No values were collected.") : new TensorRange(_min, _max);
}
