namespace OliveNet.Passes.Quantization.Common;

/// <summary>Integer types a tensor can be quantized to, as ONNX Runtime's quantization tools name them.</summary>
public enum QuantType
{
    /// <summary>uint8, 0..255.</summary>
    UInt8,

    /// <summary>int8, −128..127.</summary>
    Int8,

    /// <summary>uint16, 0..65535 (QDQ only).</summary>
    UInt16,

    /// <summary>int16, −32768..32767 (QDQ only).</summary>
    Int16,

    /// <summary>uint4, 0..15 (weight-only).</summary>
    UInt4,

    /// <summary>int4, −8..7 (weight-only).</summary>
    Int4,
}
