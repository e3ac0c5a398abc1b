namespace OliveNet.Engine.Benchmarking;

/// <summary>The benchmark's settings do not fit the model (unknown input name, bad shape, unsupported input type).</summary>
public sealed class BenchmarkException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public BenchmarkException(string message)
        : base(message)
    {
    }
}
