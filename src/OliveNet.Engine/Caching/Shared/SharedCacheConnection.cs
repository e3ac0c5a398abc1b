using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace OliveNet.Engine.Caching.Shared;

/// <summary>
/// Opens a shared cache's container with credentials found the Azure way, first match wins:
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> (its endpoint must be the recipe's), <c>AZURE_STORAGE_KEY</c> (the account key of
/// the URL's account), <c>AZURE_STORAGE_SAS_TOKEN</c>, else <see cref="DefaultAzureCredential"/> (environment, workload or
/// managed identity, Azure CLI's <c>az login</c>, which is what Olive uses). Secrets are handed to the SDK and never
/// formatted into a message.
/// </summary>
internal static class SharedCacheConnection
{
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    public const string KeyVariable = "AZURE_STORAGE_KEY";
    public const string SasVariable = "AZURE_STORAGE_SAS_TOKEN";

    /// <summary>Transient errors (timeouts, throttling, 5xx, refused connections) are retried by the SDK's own pipeline.</summary>
    private static BlobClientOptions Options() => new()
    {
        Retry =
        {
            Mode = RetryMode.Exponential,
            MaxRetries = 4,
            Delay = TimeSpan.FromMilliseconds(400),
            MaxDelay = TimeSpan.FromSeconds(8),
            NetworkTimeout = TimeSpan.FromSeconds(100),
        },
        Diagnostics = { IsLoggingEnabled = false, IsTelemetryEnabled = false, IsDistributedTracingEnabled = false },
    };

    /// <summary>A client for the location's container; nothing is sent until it is used.</summary>
    /// <exception cref="SharedCacheException">The credentials in the environment are malformed or name another account.</exception>
    public static BlobContainerClient Open(SharedCacheLocation location, Func<string, string?> environment)
    {
        if (Value(environment, ConnectionStringVariable) is { } connection)
        {
            BlobContainerClient client;
            try
            {
                client = new BlobServiceClient(connection, Options()).GetBlobContainerClient(location.ContainerName);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                throw new SharedCacheException($"{ConnectionStringVariable} is not a valid storage connection string; fix or unset it to use the shared cache {location}");
            }

            if (!string.Equals(client.Uri.AbsoluteUri.TrimEnd('/'), location.ContainerUri.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                throw new SharedCacheException(
                    $"{ConnectionStringVariable} points at the container {client.Uri.GetLeftPart(UriPartial.Path)}, but cache_dir names {location}; make them agree (or unset the variable)");
            }

            return client;
        }

        if (Value(environment, KeyVariable) is { } key)
        {
            StorageSharedKeyCredential credential;
            try
            {
                credential = new StorageSharedKeyCredential(location.AccountName, key);
                _ = Convert.FromBase64String(key);
            }
            catch (FormatException)
            {
                throw new SharedCacheException($"{KeyVariable} is not a storage account key (base64); fix or unset it to use the shared cache {location}");
            }

            return new BlobContainerClient(location.ContainerUri, credential, Options());
        }

        if (Value(environment, SasVariable) is { } sas)
        {
            return new BlobContainerClient(location.ContainerUri, new AzureSasCredential(sas.TrimStart('?')), Options());
        }

        if (location.ContainerUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new SharedCacheException(
                $"the shared cache {location} is plain http, where Microsoft Entra sign-in cannot be used: set {KeyVariable} " +
                $"(for Azurite, its well-known devstoreaccount1 key) or {ConnectionStringVariable}");
        }

        TokenCredential identity = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ExcludeInteractiveBrowserCredential = true });
        return new BlobContainerClient(location.ContainerUri, identity, Options());
    }

    private static string? Value(Func<string, string?> environment, string name) =>
        environment(name) is { Length: > 0 } value ? value.Trim() : null;
}
