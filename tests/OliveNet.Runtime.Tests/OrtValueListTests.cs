namespace OliveNet.Runtime.Tests;

public class OrtValueListTests
{
    [Fact]
    public void Outputs_are_found_by_name_and_an_unknown_name_lists_the_outputs()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var x = OrtValue.CreateTensor<float>(new float[60], [3, 4, 5]);
        using var outputs = session.Run([new("x", x), new("y", x)]);

        Assert.Same(outputs[0], outputs["sum"]);
        var e = Assert.Throws<KeyNotFoundException>(() => outputs["total"]);
        Assert.Contains("sum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposing_the_list_disposes_every_value_and_is_safe_twice()
    {
        using var session = new InferenceSession(Fixtures.Node("test_add"));
        using var x = OrtValue.CreateTensor<float>(new float[60], [3, 4, 5]);
        var outputs = session.Run([new("x", x), new("y", x)]);

        outputs.Dispose();
        outputs.Dispose();

        Assert.Throws<ObjectDisposedException>(() => outputs[0].Shape);
    }

    [Fact]
    public void Outputs_stay_valid_after_their_inputs_are_disposed()
    {
        using var session = new InferenceSession(Fixtures.Node("test_identity_sequence"));
        var data = new float[] { 5, 6 };
        var element = OrtValue.CreateTensor<float>(data, [2]);
        var sequence = OrtValue.CreateSequence([element]);
        using var outputs = session.Run([new("x", sequence)]);

        sequence.Dispose();
        element.Dispose();
        GC.Collect();

        using var elements = outputs[0].GetSequenceElements();
        Assert.Equal(data, elements[0].GetTensorData<float>().ToArray());
    }
}
