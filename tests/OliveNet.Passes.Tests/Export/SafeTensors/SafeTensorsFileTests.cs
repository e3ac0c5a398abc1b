using System.Buffers.Binary;
using System.Text;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Tests.Export.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Reads_f32_f16_and_bf16_tensors_as_float32()
    {
        // 1.5f = 0x3FC00000; f16 1.5 = 0x3E00, −2 = 0xC000; bf16 −2 = 0xC000, 0.5 = 0x3F00 (bit patterns from IEEE 754).
        var data = new byte[8 + 4 + 4];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(0), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -3.25f);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(8), 0x3E00);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(10), 0xC000);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(12), 0xC000);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(14), 0x3F00);
        var path = Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"c":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"__metadata__":{"format":"pt"}}""", data);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["a", "b", "c"], file.Tensors.Select(t => t.Name));
        Assert.Equal([1.5f, -3.25f], Read(file, "a"));
        Assert.Equal([1.5f, -2f], Read(file, "b"));
        Assert.Equal([-2f, 0.5f], Read(file, "c"));
        Assert.Equal(new long[] { 1, 2 }, file.Info("b").Shape);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "needs 12")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "truncated")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}""", "overlap")]
    [InlineData("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", "OliveNet reads F32, F16, BF16, U8 and I32")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "non-negative integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "not a valid range")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "data_offsets")]
    [InlineData("""{"a": [1, 2""", "not valid JSON")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    public void A_corrupt_header_is_refused_with_the_file_and_the_problem(string header, string problem)
    {
        var path = Write(header, new byte[8]);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_refused()
    {
        var path = Path.Combine(_temp.Path, "short.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains("1000-byte header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sharded_checkpoint_resolves_every_tensor_through_its_index()
    {
        var folder = Export.HfFixtures.Checkpoint("mistral");
        using var checkpoint = SafeTensorsCheckpoint.Open(folder);
        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Contains("lm_head.weight", checkpoint.Names);
        Assert.Contains("model.layers.1.mlp.down_proj.weight", checkpoint.Names);
        Assert.Equal("F16", checkpoint.Info("model.norm.weight").DType);
    }

    [Fact]
    public void An_index_naming_a_tensor_its_shard_lacks_is_refused()
    {
        var folder = _temp.Sub("sharded");
        File.Copy(Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", new byte[8]), Path.Combine(folder, "part-1.safetensors"));
        File.WriteAllText(Path.Combine(folder, SafeTensorsCheckpoint.IndexFile), """{"weight_map":{"a":"part-1.safetensors","b":"part-1.safetensors"}}""");
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsCheckpoint.Open(folder).Dispose());
        Assert.Contains("'b'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_safetensors_weights_says_how_to_save_them()
    {
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsCheckpoint.Open(_temp.Sub("empty")).Dispose());
        Assert.Contains("safe_serialization", e.Message, StringComparison.Ordinal);
    }

    private static float[] Read(SafeTensorsFile file, string name)
    {
        var values = new float[file.Info(name).ElementCount];
        file.ReadFloat32(name, values);
        return values;
    }

    private string Write(string header, byte[] data)
    {
        var path = Path.Combine(_temp.Path, $"{Guid.NewGuid():N}.safetensors");
        var text = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, text.Length);
        stream.Write(length);
        stream.Write(text);
        stream.Write(data);
        return path;
    }
}
