using OliveNet.Onnx;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// The dtype scales are stored in: the source weight's (F32, F16, BF16), as Olive stores them. Scales are rounded to it
/// before codes are computed, so the stored scale is exactly the one the codes were rounded against.
/// </summary>
internal static class ScaleType
{
    /// <summary><paramref name="value"/> rounded to <paramref name="dtype"/> and widened back.</summary>
    public static float Round(float value, string dtype) => dtype switch
    {
        "F16" => (float)(Half)value,
        "BF16" => (float)(BFloat16)value,
        _ => value,
    };

    /// <summary>Scales as <paramref name="dtype"/> bytes (little-endian).</summary>
    public static byte[] Bytes(ReadOnlySpan<float> scales, string dtype)
    {
        switch (dtype)
        {
            case "F16":
            {
                var half = new Half[scales.Length];
                TensorConvert.FromFloat(scales, half);
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(half.AsSpan()).ToArray();
            }

            case "BF16":
            {
                var bf = new BFloat16[scales.Length];
                TensorConvert.FromFloat(scales, bf);
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(bf.AsSpan()).ToArray();
            }

            default:
                return System.Runtime.InteropServices.MemoryMarshal.AsBytes(scales).ToArray();
        }
    }
}
