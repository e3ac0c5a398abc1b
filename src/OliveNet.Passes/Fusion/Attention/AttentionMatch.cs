using OliveNet.Onnx.Protos;

namespace OliveNet.Passes.Fusion.Attention;

/// <summary>One multi-head self-attention subgraph found in a BERT-style export, and what replaces it.</summary>
/// <param name="Input">The hidden state [batch, sequence, hidden_in] that Q, K and V are projected from.</param>
/// <param name="Weights">Q, K and V projection weights, each [hidden_in, hidden].</param>
/// <param name="Biases">Q, K and V biases, each [hidden].</param>
/// <param name="NumHeads">Heads, from the Reshape to [batch, sequence, heads, head_size].</param>
/// <param name="HeadSize">Size of one head.</param>
/// <param name="Scale">Factor applied to QKᵀ (1/c for a Div by c).</param>
/// <param name="Mask">The 2-D [batch, total_sequence] mask the additive term is built from, if any.</param>
/// <param name="Output">The value the subgraph produced ([batch, sequence, hidden]); the Attention node writes it.</param>
/// <param name="Core">The nodes of the pattern itself (the shape computations are found later).</param>
internal sealed record AttentionMatch(
    string Input,
    TensorProto[] Weights,
    TensorProto[] Biases,
    int NumHeads,
    int HeadSize,
    float Scale,
    AttentionMaskMatch? Mask,
    string Output,
    IReadOnlyList<NodeProto> Core);

/// <summary>
/// An additive mask <c>(1 − cast(mask[:, None, None, :])) · filter</c>: <paramref name="Source"/> is the 2-D mask (1 keep,
/// 0 drop) and <paramref name="FilterValue"/> the constant masked scores get, which is Attention's <c>mask_filter_value</c>.
/// </summary>
internal sealed record AttentionMaskMatch(string Source, int SourceType, float FilterValue);
