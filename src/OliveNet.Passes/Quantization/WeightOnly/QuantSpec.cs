namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>
/// How one weight is quantized, as Olive's <c>WeightQuantizer</c> defines it: unsigned codes 0..2^bits−1 along the
/// input dimension in groups of <see cref="GroupSize"/> values (−1: one group per output row), a scale per group and a
/// zero point per group (fixed at the midpoint 2^(bits−1) when <see cref="Symmetric"/>).
/// </summary>
/// <param name="Bits">2, 4 or 8.</param>
/// <param name="GroupSize">Values per group along the input dimension, or −1 for per-channel.</param>
/// <param name="Symmetric">Scale from the absolute maximum and a fixed zero point, or from min/max with a zero point per group.</param>
internal readonly record struct QuantSpec(int Bits, int GroupSize, bool Symmetric)
{
    /// <summary>The largest code.</summary>
    public int MaxQ => (1 << Bits) - 1;

    /// <summary>The zero point of symmetric groups (also MatMulNBits's default when no zero points are given).</summary>
    public int MidQ => 1 << (Bits - 1);

    /// <summary>Values per group for an input dimension of <paramref name="columns"/>.</summary>
    public int GroupOf(int columns) => GroupSize == -1 ? columns : GroupSize;

    /// <summary>Groups per row for an input dimension of <paramref name="columns"/>.</summary>
    public int GroupsOf(int columns) => columns / GroupOf(columns);

    /// <summary>Precision rank, as Olive orders configs when q/k/v must share one: more bits, then smaller groups, then per-channel.</summary>
    public (int, int, int) Rank => (Bits, GroupSize > 0 ? 2 : GroupSize == -1 ? 1 : 0, GroupSize > 0 ? -GroupSize : 0);

    /// <summary>"4-bit g128 asym" for logs.</summary>
    public override string ToString() => $"{Bits}-bit {(GroupSize == -1 ? "per-channel" : $"g{GroupSize}")} {(Symmetric ? "sym" : "asym")}";
}
