using System.Runtime.InteropServices;
using OliveNet.Onnx;

namespace OliveNet.Passes.Export.SafeTensors;

/// <summary>Conversion of safetensors data (little-endian F32/F16/BF16) to float32.</summary>
internal static class SafeTensorConvert
{
    /// <summary>Converts <paramref name="raw"/> of <paramref name="dtype"/> into <paramref name="destination"/>.</summary>
    public static void ToFloat32(string dtype, ReadOnlySpan<byte> raw, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                break;
            case "F16":
                TensorConvert.ToFloat(MemoryMarshal.Cast<byte, Half>(raw), destination);
                break;
            case "BF16":
                TensorConvert.ToFloat(MemoryMarshal.Cast<byte, BFloat16>(raw), destination);
                break;
            default:
                throw new SafeTensorsException($"dtype {dtype} cannot be converted to float32; OliveNet reads F32, F16 and BF16.");
        }
    }
}
