namespace OliveNet.Engine.Assets;

/// <summary>A model or data reference could not be resolved to a local file; the message says why and what to do.</summary>
public sealed class AssetException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public AssetException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
