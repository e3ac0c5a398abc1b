using OliveNet.Engine.Passes;
using OliveNet.Passes.Shapes;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Shapes;

public sealed class DynamicToFixedShapePassTests
{
    [Fact]
    public void Rec_input_x_becomes_1_3_48_320_in_ORT_and_outputs_do_not_change()
    {
        using var temp = new TempFolder();
        var options = new DynamicToFixedShapeOptions { InputName = ["x"], InputShape = [[1, 3, 48, 320]] };
        var fixedModel = PassRunner.Run(new DynamicToFixedShapePass(), TestModels.OcrRec, options, temp.Sub("out"));

        using (var session = new InferenceSession(fixedModel))
        {
            Assert.Equal(new long[] { 1, 3, 48, 320 }, session.Inputs.Single(i => i.Name == "x").Shape);
        }

        // Only shape annotations change, so the same input gives bit-identical outputs.
        var expected = ModelRunner.RunImage(TestModels.OcrRec, [1, 3, 48, 320]);
        var actual = ModelRunner.RunImage(fixedModel, [1, 3, 48, 320]);
        Assert.Equal(expected.Single().Value, actual.Single().Value);
    }

    [Fact]
    public void Dim_param_batch_is_fixed_in_every_input_and_output()
    {
        using var temp = new TempFolder();
        var options = new DynamicToFixedShapeOptions { DimParam = ["batch"], DimValue = [1] };
        var fixedModel = PassRunner.Run(new DynamicToFixedShapePass(), TestModels.SileroIfless, options, temp.Sub("out"));

        using var session = new InferenceSession(fixedModel);
        Assert.Equal(new long[] { 1, -1 }, session.Inputs.Single(i => i.Name == "input").Shape);
        Assert.Equal(new long[] { 2, 1, 128 }, session.Inputs.Single(i => i.Name == "state").Shape);
        Assert.Equal(new long[] { 2, 1, 128 }, session.Outputs.Single(o => o.Name == "stateN").Shape);
    }

    [Fact]
    public void Same_input_and_options_give_byte_identical_files()
    {
        using var temp = new TempFolder();
        var options = new DynamicToFixedShapeOptions { InputName = ["x"], InputShape = [[1, 3, 48, 320]] };
        var first = PassRunner.Run(new DynamicToFixedShapePass(), TestModels.OcrRec, options, temp.Sub("a"));
        var second = PassRunner.Run(new DynamicToFixedShapePass(), TestModels.OcrRec, options, temp.Sub("b"));
        PassRunner.AssertSameFiles(Path.GetDirectoryName(first)!, Path.GetDirectoryName(second)!);
    }

    [Fact]
    public void An_unknown_dim_param_fails_naming_it_and_listing_the_ones_that_exist()
    {
        var ex = RunExpectingFailure(TestModels.SileroIfless, new DynamicToFixedShapeOptions { DimParam = ["batch_size"], DimValue = [1] });
        Assert.Contains("'batch_size' does not occur", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'batch', 'sequence'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_input_fails_naming_it_and_listing_the_inputs()
    {
        var ex = RunExpectingFailure(TestModels.OcrRec, new DynamicToFixedShapeOptions { InputName = ["image"], InputShape = [[1, 3, 48, 320]] });
        Assert.Contains("'image' is not a graph input", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Inputs: 'x'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_that_contradicts_a_fixed_dimension_fails_with_both_values()
    {
        var ex = RunExpectingFailure(TestModels.OcrRec, new DynamicToFixedShapeOptions { InputName = ["x"], InputShape = [[1, 3, 64, 320]] });
        Assert.Contains("is 64 but input 'x' already has the fixed size 48", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_option_combinations_are_reported_by_key()
    {
        var pass = new DynamicToFixedShapePass();
        Assert.Contains("use one form only", Assert.Single(pass.Validate(
            new DynamicToFixedShapeOptions { DimParam = ["a"], DimValue = [1], InputName = ["x"], InputShape = [[1]] }, Target.Cpu)), StringComparison.Ordinal);
        Assert.StartsWith("Nothing to fix", Assert.Single(pass.Validate(new DynamicToFixedShapeOptions(), Target.Cpu)), StringComparison.Ordinal);
        var errors = pass.Validate(new DynamicToFixedShapeOptions { DimParam = ["a", "b"], DimValue = [0] }, Target.Cpu);
        Assert.Contains(errors, e => e.StartsWith("dim_param has 2 names but dim_value has 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("dim_value[0]: 0 is not a valid dimension", StringComparison.Ordinal));
        Assert.Contains(pass.Validate(new DynamicToFixedShapeOptions { InputName = ["x"], InputShape = [[1, -1]] }, Target.Cpu),
            e => e.StartsWith("input_shape[0][1]: -1", StringComparison.Ordinal));
    }

    private static PassFailedException RunExpectingFailure(string model, DynamicToFixedShapeOptions options)
    {
        using var temp = new TempFolder();
        return Assert.Throws<PassFailedException>(() => PassRunner.Run(new DynamicToFixedShapePass(), model, options, temp.Sub("out")));
    }
}
