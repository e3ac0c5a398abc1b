namespace OliveNet.Passes.Quantization.Float16;

/// <summary>Counts of what one float16 rewrite changed, for the pass log.</summary>
internal sealed class Float16Stats
{
    /// <summary>Tensors narrowed (initializers and attribute tensors).</summary>
    public int Tensors { get; set; }

    /// <summary>Bytes those tensors held as float32.</summary>
    public long Float32Bytes { get; set; }

    /// <summary>Bytes they hold as float16.</summary>
    public long Float16Bytes { get; set; }

    /// <summary>Cast(to=FLOAT) nodes retargeted to FLOAT16.</summary>
    public int CastsRetargeted { get; set; }

    /// <summary>Nodes kept in float32.</summary>
    public int BlockedNodes { get; set; }

    /// <summary>Cast nodes added around blocked nodes and at the graph boundary.</summary>
    public int CastsInserted { get; set; }
}
