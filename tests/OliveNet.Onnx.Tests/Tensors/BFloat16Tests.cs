namespace OliveNet.Onnx.Tests.Tensors;

public class BFloat16Tests
{
    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(1.00390625f, 0x3F80)] // exactly half-way between 0x3F80 and 0x3F81: ties to the even 0x3F80
    [InlineData(1.01171875f, 0x3F82)] // half-way between 0x3F81 and 0x3F82: ties to the even 0x3F82
    [InlineData(1.0078125f, 0x3F81)]  // exactly representable
    [InlineData(float.PositiveInfinity, 0x7F80)]
    public void Narrowing_rounds_to_nearest_even(float value, int bits) =>
        Assert.Equal((ushort)bits, ((BFloat16)value).Bits);

    [Fact]
    public void NaN_stays_NaN_even_when_its_payload_is_only_in_the_low_bits()
    {
        var nan = BitConverter.Int32BitsToSingle(0x7F80_0001);
        var b = (BFloat16)nan;
        Assert.True(float.IsNaN((float)b));
    }

    [Fact]
    public void Widening_is_exact()
    {
        Assert.Equal(1.0f, (float)BFloat16.FromBits(0x3F80));
        Assert.Equal(1.015625f, (float)BFloat16.FromBits(0x3F82));
    }
}
