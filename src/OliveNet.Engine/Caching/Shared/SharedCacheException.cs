namespace OliveNet.Engine.Caching.Shared;

/// <summary>
/// The shared cache cannot be used: the service is unreachable after retries, refuses the credentials, or the
/// configuration is wrong. The message is one line naming the container URL and what to do; it never holds credentials.
/// Pass runs finished before it was thrown are kept in the local cache.
/// </summary>
public sealed class SharedCacheException(string message) : Exception(message);
