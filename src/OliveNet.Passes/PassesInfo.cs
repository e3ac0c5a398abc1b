namespace OliveNet.Passes;

/// <summary>Marker for the pass library; pass families arrive with the engine and quantization issues.</summary>
public static class PassesInfo
{
    /// <summary>The assembly that holds the built-in passes.</summary>
    public static System.Reflection.Assembly Assembly => typeof(PassesInfo).Assembly;
}
