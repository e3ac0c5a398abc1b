using OliveNet.Onnx;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>
/// Node and value names not yet used anywhere in the model: the wanted name, else the first free <c>{name}_1</c>, … so
/// the same model always gets the same names.
/// </summary>
internal sealed class SurgeryNames(OnnxModel model)
{
    private readonly Quantization.Dynamic.UniqueNames _names = new(model);

    /// <summary>Reserves and returns <paramref name="wanted"/> or the first free numbered variant of it.</summary>
    public string Take(string wanted) => _names.Take(wanted);
}
