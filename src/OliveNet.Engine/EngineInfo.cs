namespace OliveNet.Engine;

/// <summary>Facts about this build of the OliveNet engine, used in cache keys and manifests.</summary>
public static class EngineInfo
{
    /// <summary>The OliveNet version, from the assembly's informational version.</summary>
    public static string Version { get; } =
        typeof(EngineInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
