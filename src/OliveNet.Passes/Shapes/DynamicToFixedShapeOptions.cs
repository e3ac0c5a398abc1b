using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Shapes;

/// <summary>
/// Options of <see cref="DynamicToFixedShapePass"/>, as in Olive: either symbolic dimension names with values
/// (<see cref="DimParam"/> + <see cref="DimValue"/>) or whole input shapes (<see cref="InputName"/> + <see cref="InputShape"/>).
/// </summary>
public sealed record DynamicToFixedShapeOptions
{
    /// <summary>Symbolic dimension names (<c>dim_param</c>) to fix; pairs with <see cref="DimValue"/>.</summary>
    [Option("Symbolic dimension names (dim_param, such as \"batch\") to fix everywhere in the model; same length as dim_value.")]
    public string[] DimParam { get; init; } = [];

    /// <summary>The value of each <see cref="DimParam"/>.</summary>
    [Option("The value (1 or more) of each dim_param, in the same order.")]
    public long[] DimValue { get; init; } = [];

    /// <summary>Graph input names whose shapes to fix; pairs with <see cref="InputShape"/>.</summary>
    [Option("Graph input names whose shapes to fix; same length as input_shape. Alternative to dim_param/dim_value.")]
    public string[] InputName { get; init; } = [];

    /// <summary>The full shape of each <see cref="InputName"/>.</summary>
    [Option("The full shape (every dimension 1 or more) of each input_name, in the same order.")]
    public long[][] InputShape { get; init; } = [];
}
