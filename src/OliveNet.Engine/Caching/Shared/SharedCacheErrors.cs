using Azure;
using Azure.Identity;

namespace OliveNet.Engine.Caching.Shared;

/// <summary>Turns what the Azure SDK throws, once its retries are spent, into one <see cref="SharedCacheException"/> line.</summary>
internal static class SharedCacheErrors
{
    /// <summary>Runs one call against the service.</summary>
    /// <exception cref="SharedCacheException">The call failed for good.</exception>
    public static T Call<T>(SharedCacheLocation location, IReadOnlyList<string> secrets, string what, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException or AuthenticationFailedException or TimeoutException)
        {
            throw new SharedCacheException(Scrub(
                $"shared cache {location}: could not {what}: {Reason(e, location)}. Pass runs finished so far are kept in the local cache; " +
                "rerun when the service is reachable (or set cache_dir to a local folder alone to work without it)", secrets));
        }
    }

    /// <summary>Runs one call against the service.</summary>
    public static void Call(SharedCacheLocation location, IReadOnlyList<string> secrets, string what, Action call) =>
        Call<object?>(location, secrets, what, () =>
        {
            call();
            return null;
        });

    /// <summary>Removes every secret from a message, should one ever reach it from the SDK.</summary>
    public static string Scrub(string message, IReadOnlyList<string> secrets) =>
        secrets.Where(s => s.Length >= 8).Aggregate(message, (m, s) => m.Replace(s, "***", StringComparison.Ordinal));

    private static string Reason(Exception e, SharedCacheLocation location)
    {
        var error = e is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[^1] : e;
        return error switch
        {
            AuthenticationFailedException =>
                $"no Azure credential could sign in; run az login, or set {SharedCacheConnection.KeyVariable}, {SharedCacheConnection.SasVariable} or {SharedCacheConnection.ConnectionStringVariable}",
            RequestFailedException { Status: 403 } r =>
                $"access denied (HTTP 403 {r.ErrorCode}); check the credentials given for account {location.AccountName}",
            RequestFailedException { Status: 404, ErrorCode: "ContainerNotFound" } =>
                $"the container does not exist; create it (az storage container create --account-name {location.AccountName} --name {location.ContainerName})",
            RequestFailedException { Status: > 0 } r => $"HTTP {r.Status} {r.ErrorCode}".TrimEnd(),
            _ => FirstLine(Innermost(error).Message),
        };
    }

    /// <summary>The HTTP client's error when there is one (it names host and port), else the innermost.</summary>
    private static Exception Innermost(Exception e)
    {
        while (e is not HttpRequestException && e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
