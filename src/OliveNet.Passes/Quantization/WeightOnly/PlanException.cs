namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>A weight-only quantization cannot be planned or written as configured; the message says what to change.</summary>
public sealed class PlanException : Exception
{
    /// <summary>Creates an exception.</summary>
    public PlanException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public PlanException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public PlanException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
