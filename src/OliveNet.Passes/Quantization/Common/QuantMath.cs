using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.Common;

/// <summary>
/// Scale and zero-point arithmetic with the semantics of ONNX Runtime's quantization tools
/// (<c>quant_utils.compute_scale_zp</c> and <c>get_qmin_qmax_for_qType</c>), written for OliveNet.
/// </summary>
public static class QuantMath
{
    /// <summary>The integer range of <paramref name="type"/>. <paramref name="reduceRange"/> wins over <paramref name="symmetric"/>.</summary>
    /// <remarks>
    /// Full: u8 0..255, s8 −128..127, u16 0..65535, s16 −32768..32767, u4 0..15, s4 −8..7.
    /// Symmetric: u8 0..254, s8 −127..127, u16 0..65534, s16 −32767..32767. Reduced: u8 0..127, s8 −64..64,
    /// u16 0..32767, s16 −16384..16384, u4 0..7, s4 −4..3.
    /// </remarks>
    public static (int QMin, int QMax) Range(QuantType type, bool reduceRange = false, bool symmetric = false) => (type, reduceRange, symmetric) switch
    {
        (QuantType.UInt8, true, _) => (0, 127),
        (QuantType.Int8, true, _) => (-64, 64),
        (QuantType.UInt16, true, _) => (0, 32767),
        (QuantType.Int16, true, _) => (-16384, 16384),
        (QuantType.UInt4, true, _) => (0, 7),
        (QuantType.Int4, true, _) => (-4, 3),
        (QuantType.UInt8, false, true) => (0, 254),
        (QuantType.Int8, false, true) => (-127, 127),
        (QuantType.UInt16, false, true) => (0, 65534),
        (QuantType.Int16, false, true) => (-32767, 32767),
        (QuantType.UInt8, _, _) => (0, 255),
        (QuantType.Int8, _, _) => (-128, 127),
        (QuantType.UInt16, _, _) => (0, 65535),
        (QuantType.Int16, _, _) => (-32768, 32767),
        (QuantType.UInt4, _, _) => (0, 15),
        (QuantType.Int4, _, _) => (-8, 7),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// Scale and zero point for values in [<paramref name="rmin"/>, <paramref name="rmax"/>]: the range is widened to
    /// include 0; symmetric uses ±max(|rmin|, |rmax|); <c>scale = (rmax − rmin)/(qmax − qmin)</c>; a scale below
    /// float32's smallest normal gives (1, 0); otherwise <c>zp = round(qmin − rmin/scale)</c> (half to even), or the
    /// middle of the range when symmetric.
    /// </summary>
    public static QuantParams Compute(float rmin, float rmax, int qmin, int qmax, bool symmetric)
    {
        double lo = Math.Min(rmin, 0f);
        double hi = Math.Max(rmax, 0f);
        if (symmetric)
        {
            var absMax = Math.Max(Math.Abs(lo), Math.Abs(hi));
            lo = -absMax;
            hi = absMax;
        }

        var scale = (float)((hi - lo) / (qmax - qmin));
        if (scale < float.Epsilon * (1 << 23) || float.IsNaN(scale))
        {
            // Below float32's smallest normal (the reference checks np.finfo(float32).tiny): an all-zero range.
            return new QuantParams(1f, 0);
        }

        var zeroPoint = symmetric
            ? (int)Math.Round((qmin + qmax) / 2.0, MidpointRounding.ToEven)
            : (int)Math.Round(qmin - (lo / scale), MidpointRounding.ToEven);
        return new QuantParams(scale, Math.Clamp(zeroPoint, qmin, qmax));
    }

    /// <summary>As <see cref="Compute(float, float, int, int, bool)"/> with the range of <paramref name="type"/>.</summary>
    public static QuantParams Compute(float rmin, float rmax, QuantType type, bool symmetric, bool reduceRange = false)
    {
        var (qmin, qmax) = Range(type, reduceRange, symmetric);
        return Compute(rmin, rmax, qmin, qmax, symmetric);
    }

    /// <summary>Quantizes one value: <c>clamp(round(x / scale) + zp, qmin, qmax)</c>, rounding half to even like numpy.</summary>
    public static int Quantize(float x, QuantParams p, int qmin, int qmax) =>
        (int)Math.Clamp(Math.Round((double)x / p.Scale, MidpointRounding.ToEven) + p.ZeroPoint, qmin, qmax);

    /// <summary>The ONNX element type that stores <paramref name="type"/>.</summary>
    public static OnnxDataType DataType(QuantType type) => type switch
    {
        QuantType.UInt8 => OnnxDataType.UInt8,
        QuantType.Int8 => OnnxDataType.Int8,
        QuantType.UInt16 => OnnxDataType.UInt16,
        QuantType.Int16 => OnnxDataType.Int16,
        QuantType.UInt4 => OnnxDataType.UInt4,
        QuantType.Int4 => OnnxDataType.Int4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
