namespace OliveNet.Onnx;

/// <summary>Brain floating point: the upper 16 bits of an IEEE float32.</summary>
public readonly struct BFloat16 : IEquatable<BFloat16>
{
    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>The raw bit pattern.</summary>
    public ushort Bits { get; }

    /// <summary>Wraps a raw bit pattern.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Widens exactly to float32.</summary>
    public static explicit operator float(BFloat16 value) => BitConverter.Int32BitsToSingle(value.Bits << 16);

    /// <summary>Narrows with round-to-nearest-even; NaN stays NaN (quiet), infinities stay infinite.</summary>
    public static explicit operator BFloat16(float value) => new(FromFloatBits(BitConverter.SingleToUInt32Bits(value)));

    /// <summary>Equality of bit patterns (so NaN equals the same NaN).</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => left.Equals(right);

    /// <summary>Inequality of bit patterns.</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => !left.Equals(right);

    /// <summary>Same as the explicit conversion to float.</summary>
    public float ToSingle() => (float)this;

    /// <summary>Same as the explicit conversion from float.</summary>
    public static BFloat16 FromSingle(float value) => (BFloat16)value;

    /// <inheritdoc/>
    public bool Equals(BFloat16 other) => Bits == other.Bits;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Bits;

    /// <inheritdoc/>
    public override string ToString() => ((float)this).ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static ushort FromFloatBits(uint bits)
    {
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            // NaN: keep sign and the top payload bits, force quiet so truncation cannot make it infinity.
            return (ushort)((bits >> 16) | 0x0040u);
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
