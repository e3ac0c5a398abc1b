namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>One weight a pass quantizes: the module name, the tensor its float values come from (the embedding table for a
/// tied LM head), its shape and the settings it gets.</summary>
/// <param name="Module">Module name, e.g. <c>model.layers.0.mlp.down_proj</c>; the checkpoint gets <c>{Module}.weight_qweight</c> etc.</param>
/// <param name="Source">The float tensor quantized.</param>
/// <param name="Rows">Output features.</param>
/// <param name="Columns">Input features.</param>
/// <param name="Spec">Bits, group size and symmetry.</param>
/// <param name="ScaleDType">The safetensors dtype scales are stored in (the source's).</param>
internal sealed record QuantTarget(string Module, string Source, int Rows, int Columns, QuantSpec Spec, string ScaleDType);
