namespace OliveNet.Onnx.Tests.Tensors;

public class OnnxDataTypesTests
{
    [Theory]
    [InlineData(OnnxDataType.Float, 32)]
    [InlineData(OnnxDataType.Float16, 16)]
    [InlineData(OnnxDataType.BFloat16, 16)]
    [InlineData(OnnxDataType.Int8, 8)]
    [InlineData(OnnxDataType.Bool, 8)]
    [InlineData(OnnxDataType.Int4, 4)]
    [InlineData(OnnxDataType.UInt2, 2)]
    [InlineData(OnnxDataType.Double, 64)]
    [InlineData(OnnxDataType.Complex128, 128)]
    [InlineData(OnnxDataType.String, 0)]
    [InlineData(OnnxDataType.Undefined, 0)]
    public void Bits_per_element_follow_the_type_width(OnnxDataType type, int bits) =>
        Assert.Equal(bits, OnnxDataTypes.BitsPerElement(type));

    [Theory]
    [InlineData(OnnxDataType.Int4, 3, 2)]
    [InlineData(OnnxDataType.Int4, 4, 2)]
    [InlineData(OnnxDataType.UInt2, 5, 2)]
    [InlineData(OnnxDataType.Float, 3, 12)]
    [InlineData(OnnxDataType.Float16, 0, 0)]
    public void Byte_count_rounds_packed_types_up(OnnxDataType type, long elements, long bytes) =>
        Assert.Equal(bytes, OnnxDataTypes.ByteCount(type, elements));

    [Fact]
    public void Names_are_short_and_lower_case()
    {
        Assert.Equal("float32", OnnxDataTypes.Name(OnnxDataType.Float));
        Assert.Equal("float16", OnnxDataTypes.Name(OnnxDataType.Float16));
        Assert.Equal("bfloat16", OnnxDataTypes.Name(OnnxDataType.BFloat16));
        Assert.Equal("int4", OnnxDataTypes.Name(OnnxDataType.Int4));
        foreach (var t in Enum.GetValues<OnnxDataType>())
        {
            Assert.Equal(OnnxDataTypes.Name(t).ToLowerInvariant(), OnnxDataTypes.Name(t));
        }
    }
}
