using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Google.Protobuf;
using OliveNet.Onnx;
using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Quantization.Float16;

/// <summary>Narrows float32 tensors to float16 in place, clamping magnitudes first so small weights do not flush to zero.</summary>
internal static class Float16Weights
{
    private const int Chunk = 1 << 16;

    /// <summary>
    /// Replaces the data of float32 tensor <paramref name="tensor"/> with float16 data, reading external data from
    /// <paramref name="baseDirectory"/>: appended to <paramref name="staging"/> when given and the tensor is not tiny,
    /// else inline <c>raw_data</c>. The float32 bytes are dropped as soon as the float16 bytes exist, so one tensor at a
    /// time is held twice; with staging, nothing stays behind.
    /// </summary>
    /// <exception cref="OnnxFormatException">The tensor data cannot be read.</exception>
    public static void Convert(TensorProto tensor, string? baseDirectory, float minPositive, float maxFinite, Float16Staging? staging = null)
    {
        var source = MemoryMarshal.Cast<byte, float>(TensorData.ReadRawBytes(tensor, baseDirectory));
        var result = new byte[source.Length * 2];
        var halves = MemoryMarshal.Cast<byte, Half>(result.AsSpan());
        var buffer = ArrayPool<float>.Shared.Rent(Math.Min(Chunk, Math.Max(source.Length, 1)));
        try
        {
            for (var start = 0; start < source.Length; start += Chunk)
            {
                var n = Math.Min(Chunk, source.Length - start);
                var clamped = buffer.AsSpan(0, n);
                Clamp(source.Slice(start, n), clamped, minPositive, maxFinite);
                TensorConvert.FromFloat(clamped, halves.Slice(start, n));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        tensor.ClearRawData();
        tensor.FloatData.Clear();
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        tensor.DataType = (int)OnnxDataType.Float16;
        if (staging?.Stage(tensor, result) != true)
        {
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(result);
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> with non-zero magnitudes below
    /// <paramref name="minPositive"/> raised to it and finite magnitudes above <paramref name="maxFinite"/> lowered to it,
    /// signs kept; zeros, infinities and NaN pass through unchanged.
    /// </summary>
    public static void Clamp(ReadOnlySpan<float> source, Span<float> destination, float minPositive, float maxFinite)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var min = Vector256.Create(minPositive);
            var max = Vector256.Create(maxFinite);
            var inf = Vector256.Create(float.PositiveInfinity);
            var signMask = Vector256.Create(-0.0f);
            for (; i + Vector256<float>.Count <= source.Length; i += Vector256<float>.Count)
            {
                var x = Vector256.Create(source.Slice(i, Vector256<float>.Count));
                var sign = x & signMask;
                var abs = Vector256.Abs(x);
                // NaN compares false everywhere, so it is never selected for clamping.
                var tooSmall = Vector256.LessThan(abs, min) & ~Vector256.Equals(abs, Vector256<float>.Zero);
                var tooBig = Vector256.GreaterThan(abs, max) & ~Vector256.Equals(abs, inf);
                var y = Vector256.ConditionalSelect(tooSmall, min | sign, x);
                y = Vector256.ConditionalSelect(tooBig, max | sign, y);
                y.CopyTo(destination.Slice(i));
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = ClampOne(source[i], minPositive, maxFinite);
        }
    }

    /// <summary>The scalar form of <see cref="Clamp"/>.</summary>
    public static float ClampOne(float x, float minPositive, float maxFinite)
    {
        var abs = MathF.Abs(x);
        if (abs < minPositive && abs != 0)
        {
            return MathF.CopySign(minPositive, x);
        }

        return abs > maxFinite && !float.IsInfinity(abs) ? MathF.CopySign(maxFinite, x) : x;
    }
}
