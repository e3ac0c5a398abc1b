using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Graph.Surgeries;

namespace OliveNet.Passes.Tests.Graph.Surgeries;

/// <summary>Each surgery entry that cannot run is one clear error: what, where, the known surgeons, a suggestion.</summary>
public sealed class GraphSurgeriesValidationTests
{
    private static IReadOnlyList<string> Validate(params string[] surgeries) =>
        new GraphSurgeriesPass().Validate(new GraphSurgeriesOptions { Surgeries = surgeries.Select(s => JsonNode.Parse(s)!.AsObject()).ToArray() }, Target.Cpu);

    [Fact]
    public void A_misspelled_surgeon_is_one_error_naming_the_entry_the_known_surgeons_and_the_closest_name()
    {
        var errors = Validate("""{"surgeon": "TieWordEmbeddings"}""", """{"surgeon": "TieWordEmbedings"}""");
        var error = Assert.Single(errors);
        Assert.StartsWith("surgeries[1].surgeon: 'TieWordEmbedings' is not a graph surgery (did you mean TieWordEmbeddings?)", error, StringComparison.Ordinal);
        Assert.Contains("QuantizeEmbeddingInt8", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Olive_surgeon_OliveNet_lacks_says_why()
    {
        var error = Assert.Single(Validate("""{"surgeon": "PackedAttentionToLoopMHA"}"""));
        Assert.Contains("is an Olive surgeon OliveNet does not have", error, StringComparison.Ordinal);
        Assert.Contains("PyTorch", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Surgeon_names_match_case_insensitively_and_missing_or_mistyped_parameters_are_named()
    {
        Assert.Empty(Validate("""{"surgeon": "tiewordembeddings"}""", """{"surgeon": "RenameOutputDims", "output_idx": 0, "dim_idx": 1, "dim_name": "n"}"""));
        var errors = Validate("""{"surgeon": "RenameOutputDims", "output_idx": "0", "dim_name": "n"}""");
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("surgeries[0].dim_idx: is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("surgeries[0].output_idx: expected an integer", StringComparison.Ordinal));
        Assert.Contains("surgeon: is required", Assert.Single(Validate("""{"old_names": ["a"]}""")), StringComparison.Ordinal);
    }
}
