using OliveNet.Engine.Assets;

namespace OliveNet.Engine.Tests.Assets;

public sealed class NpmPackageCacheTests
{
    [Fact]
    public void A_leftover_entry_folder_without_package_does_not_block_the_fetch()
    {
        var cache = Directory.CreateTempSubdirectory("olivenet-npm-");
        try
        {
            var npm = new NpmPackageCache(cache.FullName);
            var folder = npm.PackageFolder("is-number", "7.0.0");
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);

            var fetched = npm.Get("is-number", "7.0.0");

            Assert.Equal(folder, fetched);
            Assert.Contains("\"version\": \"7.0.0\"", File.ReadAllText(Path.Combine(fetched, "package.json")), StringComparison.Ordinal);
            // No temp folders are left behind.
            Assert.Empty(Directory.EnumerateDirectories(Path.Combine(cache.FullName, "npm"), ".tmp-*"));
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_package_that_does_not_exist_is_an_asset_error_naming_it()
    {
        var cache = Directory.CreateTempSubdirectory("olivenet-npm-");
        try
        {
            var error = Assert.Throws<AssetException>(() => new NpmPackageCache(cache.FullName).Get("is-number", "0.0.0-does-not-exist"));

            Assert.Contains("is-number@0.0.0-does-not-exist", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
