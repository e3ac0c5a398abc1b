using Google.Protobuf;
using OliveNet.Onnx.Protos;

namespace OliveNet.Onnx.Tests.Tensors;

public class TensorDataTests
{
    [Fact]
    public void Every_supported_type_round_trips_through_raw_data()
    {
        AssertRoundTrip(new[] { 1.5f, -2f, float.MaxValue }, OnnxDataType.Float);
        AssertRoundTrip(new[] { (Half)1, (Half)(-0.5f) }, OnnxDataType.Float16);
        AssertRoundTrip(new[] { BFloat16.FromBits(0x3F80), BFloat16.FromBits(0xC000) }, OnnxDataType.BFloat16);
        AssertRoundTrip(new[] { 1.25, -1e300 }, OnnxDataType.Double);
        AssertRoundTrip(new sbyte[] { -128, 127 }, OnnxDataType.Int8);
        AssertRoundTrip(new byte[] { 0, 255 }, OnnxDataType.UInt8);
        AssertRoundTrip(new short[] { short.MinValue, 3 }, OnnxDataType.Int16);
        AssertRoundTrip(new ushort[] { ushort.MaxValue, 3 }, OnnxDataType.UInt16);
        AssertRoundTrip(new[] { int.MinValue, 7 }, OnnxDataType.Int32);
        AssertRoundTrip(new[] { uint.MaxValue, 7u }, OnnxDataType.UInt32);
        AssertRoundTrip(new[] { long.MinValue, 9L }, OnnxDataType.Int64);
        AssertRoundTrip(new[] { ulong.MaxValue, 9UL }, OnnxDataType.UInt64);
        AssertRoundTrip(new[] { true, false, true }, OnnxDataType.Bool);
    }

    [Fact]
    public void Raw_data_is_little_endian_with_the_spec_bit_patterns()
    {
        var half = TensorData.Create<Half>("h", [(Half)1f], [1]);
        Assert.Equal(new byte[] { 0x00, 0x3C }, half.RawData.ToByteArray());
        var bf = TensorData.Create<BFloat16>("b", [(BFloat16)1f], [1]);
        Assert.Equal(new byte[] { 0x80, 0x3F }, bf.RawData.ToByteArray());
    }

    [Fact]
    public void Float16_in_int32_data_decodes_from_the_bit_pattern()
    {
        var t = new TensorProto { Name = "h", DataType = (int)OnnxDataType.Float16 };
        t.Dims.Add(2);
        t.Int32Data.Add([0x3C00, 0xC000]); // 1.0, -2.0
        var values = TensorData.Read<Half>(t, null);
        Assert.Equal(new[] { 1f, -2f }, values.Select(v => (float)v));
    }

    [Fact]
    public void Typed_fields_decode_for_each_storage_field()
    {
        var b = new TensorProto { Name = "b", DataType = (int)OnnxDataType.Bool, Dims = { 3 }, Int32Data = { 1, 0, 1 } };
        Assert.Equal(new[] { true, false, true }, TensorData.Read<bool>(b, null));
        var i8 = new TensorProto { Name = "i8", DataType = (int)OnnxDataType.Int8, Dims = { 2 }, Int32Data = { -5, 100 } };
        Assert.Equal(new sbyte[] { -5, 100 }, TensorData.Read<sbyte>(i8, null));
        var u32 = new TensorProto { Name = "u32", DataType = (int)OnnxDataType.UInt32, Dims = { 1 }, Uint64Data = { 4_000_000_000 } };
        Assert.Equal(new[] { 4_000_000_000u }, TensorData.Read<uint>(u32, null));
        var f = new TensorProto { Name = "f", DataType = (int)OnnxDataType.Float, FloatData = { 3.5f } };
        Assert.Equal(new[] { 3.5f }, TensorData.Read<float>(f, null)); // no dims: a scalar
        var i64 = new TensorProto { Name = "i64", DataType = (int)OnnxDataType.Int64, Dims = { 2 }, Int64Data = { -1, 1L << 40 } };
        Assert.Equal(new[] { -1L, 1L << 40 }, TensorData.Read<long>(i64, null));
    }

    [Fact]
    public void Reading_with_the_wrong_element_type_names_the_right_one()
    {
        var t = TensorData.Create<float>("w", [1f], [1]);
        var ex = Assert.Throws<OnnxFormatException>(() => TensorData.Read<Half>(t, null));
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("float", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_data_of_the_wrong_length_is_reported_as_corrupt()
    {
        var t = new TensorProto { Name = "bad", DataType = (int)OnnxDataType.Float, Dims = { 2 }, RawData = ByteString.CopyFrom(new byte[7]) };
        var ex = Assert.Throws<OnnxFormatException>(() => TensorData.Read<float>(t, null));
        Assert.Contains("corrupt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int4_tensors_pack_and_unpack_low_nibble_first()
    {
        var t = TensorData.CreateInt4("q", [-8, 7, 1], [3]);
        Assert.Equal((int)OnnxDataType.Int4, t.DataType);
        Assert.Equal(new byte[] { 0x78, 0x01 }, t.RawData.ToByteArray());
        Assert.Equal(new sbyte[] { -8, 7, 1 }, TensorData.ReadInt4(t, null));

        var u = TensorData.CreateUInt4("u", [15, 0, 3, 4], [2, 2]);
        Assert.Equal(new byte[] { 0x0F, 0x43 }, u.RawData.ToByteArray());
        Assert.Equal(new byte[] { 15, 0, 3, 4 }, TensorData.ReadUInt4(u, null));
    }

    [Fact]
    public void Int4_in_int32_data_holds_one_packed_byte_per_entry()
    {
        var t = new TensorProto { Name = "q", DataType = (int)OnnxDataType.Int4, Dims = { 3 }, Int32Data = { 0x78, 0x01 } };
        Assert.Equal(new sbyte[] { -8, 7, 1 }, TensorData.ReadInt4(t, null));
    }

    [Fact]
    public void Strings_round_trip_as_utf8()
    {
        var t = TensorData.CreateStrings("s", ["a", "Grüße", ""], [3]);
        Assert.Equal(new[] { "a", "Grüße", "" }, TensorData.ReadStrings(t));
    }

    [Fact]
    public void Create_refuses_a_shape_that_does_not_match_the_data() =>
        Assert.Throws<ArgumentException>(() => TensorData.Create<float>("x", [1f, 2f], [3]));

    [Fact]
    public void Element_count_of_a_scalar_is_one_and_of_an_empty_dim_is_zero()
    {
        Assert.Equal(1, TensorData.ElementCount(new TensorProto()));
        Assert.Equal(0, TensorData.ElementCount(new TensorProto { Dims = { 3, 0 } }));
        Assert.Equal(24, TensorData.ElementCount(new TensorProto { Dims = { 2, 3, 4 } }));
    }

    private static void AssertRoundTrip<T>(T[] values, OnnxDataType expected)
        where T : unmanaged
    {
        var t = TensorData.Create<T>("x", values, [values.Length]);
        Assert.Equal((int)expected, t.DataType);
        Assert.Equal(OnnxDataTypes.ByteCount(expected, values.Length), t.RawData.Length);
        Assert.Equal(values, TensorData.Read<T>(t, null));
        var reparsed = TensorProto.Parser.ParseFrom(t.ToByteArray());
        Assert.Equal(values, TensorData.Read<T>(reparsed, null));
    }
}
