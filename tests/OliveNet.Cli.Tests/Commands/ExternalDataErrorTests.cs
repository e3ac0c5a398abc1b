namespace OliveNet.Cli.Tests.Commands;

public sealed class ExternalDataErrorTests
{
    [Fact]
    public void Inspect_lists_the_external_data_file_and_its_size()
    {
        using var dir = new TempDir();
        var model = TinyModels.WriteWithExternalWeight(dir.Path, "weights.bin");

        var report = CliRunner.Json("inspect", model, "--json");

        var file = Assert.Single(report.GetProperty("external_data").EnumerateArray());
        Assert.Equal("weights.bin", file.GetProperty("location").GetString());
        Assert.Equal(4096 * 4, file.GetProperty("bytes_referenced").GetInt64());
        Assert.True(file.GetProperty("exists").GetBoolean());
    }

    [Fact]
    public void Bench_runs_a_model_whose_weights_are_external()
    {
        using var dir = new TempDir();
        var model = TinyModels.WriteWithExternalWeight(dir.Path, "weights.bin");

        var report = CliRunner.Json("bench", model, "--runs", "3", "--warmup", "1", "--json");

        Assert.Equal(3, report.GetProperty("latency_ms").GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("bench")]
    public void A_missing_external_data_file_is_named_in_the_error(string command)
    {
        using var dir = new TempDir();
        var model = TinyModels.WriteWithExternalWeight(dir.Path, "weights.bin", writeData: false);

        var (exit, _, stderr) = CliRunner.Run(command, model);

        Assert.Equal(2, exit);
        Assert.Contains("weights.bin", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inspect", "../outside.bin")]
    [InlineData("bench", "../outside.bin")]
    [InlineData("inspect", "/etc/passwd")]
    public void An_external_data_location_outside_the_model_folder_is_refused(string command, string location)
    {
        using var outer = new TempDir();
        var folder = Path.Combine(outer.Path, "model");
        Directory.CreateDirectory(folder);
        var model = TinyModels.WriteWithExternalWeight(folder, location, writeData: !location.StartsWith('/'));

        var (exit, _, stderr) = CliRunner.Run(command, model);

        Assert.Equal(2, exit);
        Assert.Contains(location, stderr, StringComparison.Ordinal);
        Assert.Contains("outside", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("bench")]
    public void An_external_data_offset_past_the_end_of_the_file_is_refused_even_when_it_overflows(string command)
    {
        using var dir = new TempDir();
        var model = TinyModels.WriteWithExternalWeight(dir.Path, "weights.bin");
        var proto = OliveNet.Onnx.Protos.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model));
        proto.Graph.Initializer[0].ExternalData.Single(e => e.Key == "offset").Value = "9223372036854775000";
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        var (exit, _, stderr) = CliRunner.Run(command, model);

        Assert.Equal(2, exit);
        Assert.Contains("truncated", stderr, StringComparison.Ordinal);
    }
}
