namespace OliveNet.Engine.Assets;

/// <summary>Where OliveNet keeps per-user downloads: <c>$OLIVENET_CACHE</c>, else <c>~/.cache/olivenet</c>.</summary>
public static class CachePaths
{
    /// <summary>The environment variable that moves the per-user cache.</summary>
    public const string EnvironmentVariable = "OLIVENET_CACHE";

    /// <summary>The cache root folder (not created by this call).</summary>
    public static string Root
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnv))
            {
                return Path.GetFullPath(fromEnv);
            }

            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".cache", "olivenet");
        }
    }
}
