using System.Text.RegularExpressions;

namespace OliveNet.Engine.Caching.Shared;

/// <summary>
/// A blob container that holds a shared cache, as a recipe names it: <c>https://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;</c>
/// (Olive's form) or the path-style <c>http://127.0.0.1:10000/&lt;account&gt;/&lt;container&gt;</c> that Azurite and custom endpoints use.
/// Never carries credentials: a URL with a query string (a SAS token) or user info is refused, so the recipe, and every
/// report or manifest that quotes it, stays free of secrets.
/// </summary>
public sealed partial record SharedCacheLocation
{
    private SharedCacheLocation(Uri container, string account, string containerName)
    {
        ContainerUri = container;
        AccountName = account;
        ContainerName = containerName;
    }

    /// <summary>The container's URL, without query or credentials.</summary>
    public Uri ContainerUri { get; }

    /// <summary>The storage account.</summary>
    public string AccountName { get; }

    /// <summary>The container.</summary>
    public string ContainerName { get; }

    /// <summary>True when <paramref name="text"/> is meant as a URL rather than a folder.</summary>
    public static bool IsUrl(string text) =>
        text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a container URL.</summary>
    /// <exception cref="FormatException">The text is not a container URL; the message says how to write one and never repeats a query string.</exception>
    public static SharedCacheLocation Parse(string text)
    {
        const string Forms = "write https://<account>.blob.core.windows.net/<container> (or http://127.0.0.1:10000/devstoreaccount1/<container> for Azurite)";
        var shown = text.Split('?', 2)[0];
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new FormatException($"'{shown}' is not a blob container URL: {Forms}");
        }

        if (uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new FormatException(
                $"'{shown}' carries credentials in the URL (a SAS token or user name); recipes are copied into outputs, so give them in the environment instead " +
                "(AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING; see docs/shared-cache.md)");
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var hostStyle = AccountHost().Match(uri.Host);
        var (account, container) = hostStyle.Success && segments.Length == 1 ? (hostStyle.Groups[1].Value, segments[0])
            : !hostStyle.Success && segments.Length == 2 ? (segments[0], segments[1])
            : (null, null);
        if (account is null || container is null)
        {
            throw new FormatException($"'{shown}' does not name one container: {Forms}");
        }

        if (!ValidContainer().IsMatch(container))
        {
            throw new FormatException($"'{shown}': '{container}' is not a valid container name (3 to 63 lower-case letters, digits and single hyphens)");
        }

        var root = new UriBuilder(uri.Scheme, uri.Host, uri.Port, hostStyle.Success ? container : $"{account}/{container}").Uri;
        return new SharedCacheLocation(root, account, container);
    }

    /// <inheritdoc/>
    public override string ToString() => ContainerUri.AbsoluteUri;

    [GeneratedRegex(@"^([a-z0-9]{3,24})\.blob\.", RegexOptions.CultureInvariant)]
    private static partial Regex AccountHost();

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidContainer();
}
