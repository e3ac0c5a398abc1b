using OliveNet.Onnx;

namespace OliveNet.Passes.Graph.Surgeries;

/// <summary>One graph surgery, built from its recipe parameters by <see cref="SurgeonCatalog"/>.</summary>
internal interface ISurgeon
{
    /// <summary>Rewrites <paramref name="model"/> in place and returns one line saying what changed (or why nothing did).</summary>
    /// <exception cref="Engine.Passes.PassFailedException">The surgery's parameters do not fit this model.</exception>
    string Apply(OnnxModel model, SurgeryNames names);
}
