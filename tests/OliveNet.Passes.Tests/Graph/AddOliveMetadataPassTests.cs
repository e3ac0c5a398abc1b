using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Onnx;
using OliveNet.Passes.Graph;

namespace OliveNet.Passes.Tests.Graph;

/// <summary>AddOliveMetadata on Silero VAD: graph name and Olive's metadata keys, the graph otherwise untouched.</summary>
public sealed class AddOliveMetadataPassTests
{
    [Fact]
    public void The_graph_name_and_Olive_metadata_keys_are_written_and_the_outputs_are_unchanged()
    {
        using var temp = new TempFolder();
        var options = new AddOliveMetadataOptions { GraphName = "silero-vad", CustomMetadata = new JsonObject { ["license"] = "MIT", ["version"] = 6, ["tuned"] = true } };
        var written = PassRunner.Run(new AddOliveMetadataPass(), TestModels.SileroIfless, options, temp.Sub("out"));

        var model = OnnxModel.Load(written);
        Assert.Equal("silero-vad", model.Proto.Graph.Name);
        var props = model.Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("MIT", props["license"]);
        Assert.Equal("6", props["version"]);
        Assert.Equal("True", props["tuned"]);
        Assert.StartsWith("olivenet ", props["olive_version"], StringComparison.Ordinal);
        Assert.Equal("test", props["model_hash"]);

        var source = OnnxModel.Load(TestModels.SileroIfless);
        Assert.Equal(source.Proto.Graph.Node.Count, model.Proto.Graph.Node.Count);
        Assert.True(source.Proto.Graph.Node.Zip(model.Proto.Graph.Node).All(p => p.First.Equals(p.Second)), "nodes must be unchanged");
    }

    [Fact]
    public void Without_a_graph_name_the_options_are_refused_as_Olive_refuses_them() =>
        Assert.Contains("graph_name: is required", Assert.Single(new AddOliveMetadataPass().Validate(new AddOliveMetadataOptions(), Target.Cpu)), StringComparison.Ordinal);
}

/// <summary>OnnxPeepholeOptimizer's fix_com_microsoft_opset.</summary>
public sealed class PeepholeMicrosoftOpsetTests
{
    [Fact]
    public void Fix_com_microsoft_opset_declares_the_contrib_domain_where_it_is_missing()
    {
        using var temp = new TempFolder();
        Assert.False(OnnxModel.Load(TestModels.SileroIfless).OpsetImports.ContainsKey("com.microsoft"));
        var plain = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.SileroIfless, new OnnxPeepholeOptimizerOptions(), temp.Sub("plain"));
        var fixedUp = PassRunner.Run(new OnnxPeepholeOptimizerPass(), TestModels.SileroIfless, new OnnxPeepholeOptimizerOptions { FixComMicrosoftOpset = true }, temp.Sub("fixed"));
        Assert.False(OnnxModel.Load(plain).OpsetImports.ContainsKey("com.microsoft"));
        Assert.Equal(1, OnnxModel.Load(fixedUp).OpsetImports["com.microsoft"]);
    }
}
