using OliveNet.Engine.Caching.Shared;
using OliveNet.Engine.Recipes;

namespace OliveNet.Engine.Tests.Caching.Shared;

public sealed class SharedCacheLocationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-location-");

    public SharedCacheLocationTests()
    {
        File.Copy(Fixtures.ConformanceModel("test_relu"), Path.Combine(_dir.FullName, "relu.onnx"));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("https://myaccount.blob.core.windows.net/olivecache", "myaccount", "olivecache", "https://myaccount.blob.core.windows.net/olivecache")]
    [InlineData("https://myaccount.blob.core.windows.net/olivecache/", "myaccount", "olivecache", "https://myaccount.blob.core.windows.net/olivecache")]
    [InlineData("https://myaccount.blob.core.chinacloudapi.cn/c-1", "myaccount", "c-1", "https://myaccount.blob.core.chinacloudapi.cn/c-1")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/olivecache", "devstoreaccount1", "olivecache", "http://127.0.0.1:10000/devstoreaccount1/olivecache")]
    public void Olives_url_form_and_the_path_style_of_azurite_name_an_account_and_a_container(string url, string account, string container, string shown)
    {
        var location = SharedCacheLocation.Parse(url);

        Assert.Equal(account, location.AccountName);
        Assert.Equal(container, location.ContainerName);
        Assert.Equal(shown, location.ToString());
    }

    [Theory]
    [InlineData("https://myaccount.blob.core.windows.net", "does not name one container")]
    [InlineData("https://myaccount.blob.core.windows.net/a/b", "does not name one container")]
    [InlineData("https://myaccount.blob.core.windows.net/Upper", "not a valid container name")]
    [InlineData("ftp://host/x/y", "is not a blob container URL")]
    public void A_url_that_names_no_container_is_refused_with_the_forms_to_write(string url, string expected)
    {
        var error = Assert.Throws<FormatException>(() => SharedCacheLocation.Parse(url));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sas_token_in_the_url_is_refused_and_not_repeated()
    {
        var error = Assert.Throws<FormatException>(() => SharedCacheLocation.Parse("https://a1b2c.blob.core.windows.net/cache?sv=2024&sig=SECRETSIGNATURE"));

        Assert.Contains("'https://a1b2c.blob.core.windows.net/cache' carries credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETSIGNATURE", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local", "local", null)]
    [InlineData("https://acct1.blob.core.windows.net/olive", null, "https://acct1.blob.core.windows.net/olive")]
    [InlineData("[local, https://acct1.blob.core.windows.net/olive]", "local", "https://acct1.blob.core.windows.net/olive")]
    [InlineData("[https://acct1.blob.core.windows.net/olive, local]", "local", "https://acct1.blob.core.windows.net/olive")]
    public void A_recipes_cache_dir_is_a_folder_a_container_or_both(string cacheDir, string? local, string? shared)
    {
        var recipe = Load($"cache_dir: {cacheDir}");

        Assert.Equal(local is null ? Path.GetFullPath("cache") : Path.Combine(_dir.FullName, local), recipe.CacheDir);
        Assert.Equal(shared, recipe.SharedCache?.ToString());
    }

    [Theory]
    [InlineData("[a, b]", "names two local folders")]
    [InlineData("[https://acct1.blob.core.windows.net/one, https://acct1.blob.core.windows.net/two]", "only one shared cache is supported")]
    [InlineData("[a, https://acct1.blob.core.windows.net/one, c]", "give a folder, a blob container URL, or a list [folder, url]")]
    public void A_cache_dir_list_with_two_of_a_kind_is_refused(string cacheDir, string expected)
    {
        var error = Assert.Throws<RecipeException>(() => Load($"cache_dir: {cacheDir}"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private Recipe Load(string cacheDir)
    {
        var path = Path.Combine(_dir.FullName, "recipe.yaml");
        File.WriteAllText(path, $"input_model: {{type: ONNXModel, model_path: relu.onnx}}\npasses: {{doc: {{type: DocString}}}}\n{cacheDir}\n");
        return new RecipeLoader(new Passes.PassRegistry([new DocStringPass()])).Load(path, environment: new Dictionary<string, string?>());
    }
}
