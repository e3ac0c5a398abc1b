namespace OliveNet.Onnx.Tests.Tensors;

public class TensorConvertTests
{
    [Fact]
    public void BFloat16_widening_matches_the_scalar_conversion_across_vector_and_tail()
    {
        var source = Enumerable.Range(0, 37).Select(i => BFloat16.FromBits((ushort)(0x3F80 + (i * 97)))).ToArray();
        var dest = new float[source.Length];
        TensorConvert.ToFloat(source, dest);
        for (var i = 0; i < source.Length; i++)
        {
            Assert.Equal((float)source[i], dest[i]);
        }
    }

    [Fact]
    public void Half_round_trips_through_float()
    {
        float[] values = [0f, 1f, -2.5f, 65504f, 0.000061035156f];
        var half = new Half[values.Length];
        TensorConvert.FromFloat(values, half);
        var back = new float[values.Length];
        TensorConvert.ToFloat(half, back);
        Assert.Equal(values, back);
        Assert.Equal((ushort)0x3C00, BitConverter.HalfToUInt16Bits(half[1]));
    }

    [Fact]
    public void Int4_packs_the_even_element_into_the_low_nibble()
    {
        // -8 = 0b1000 (low nibble of byte 0), 7 = 0b0111 (high nibble) -> 0x78; 1 -> 0x01 with a zero pad nibble.
        var packed = new byte[2];
        TensorConvert.PackInt4([-8, 7, 1], packed);
        Assert.Equal(new byte[] { 0x78, 0x01 }, packed);
        var back = new sbyte[3];
        TensorConvert.UnpackInt4(packed, back);
        Assert.Equal(new sbyte[] { -8, 7, 1 }, back);
    }

    [Fact]
    public void Int4_refuses_values_outside_its_range() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorConvert.PackInt4([8], new byte[1]));

    [Fact]
    public void UInt4_round_trips_all_sixteen_values()
    {
        var values = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var packed = new byte[8];
        TensorConvert.PackUInt4(values, packed);
        Assert.Equal(0x10, packed[0]);
        var back = new byte[16];
        TensorConvert.UnpackUInt4(packed, back);
        Assert.Equal(values, back);
    }
}
