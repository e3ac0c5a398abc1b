using OliveNet.Engine.Caching.Shared;
using YamlDotNet.RepresentationModel;

namespace OliveNet.Engine.Recipes;

public sealed partial class RecipeLoader
{
    /// <summary>
    /// <c>cache_dir</c> as Olive accepts it: a folder, a blob container URL (the shared cache, with the default local folder
    /// in front of it), or a list <c>[folder, url]</c>. Returns the local root (a full path) and the shared container.
    /// </summary>
    private static (string? Local, SharedCacheLocation? Shared) ReadCacheDir(RecipeReader reader, YamlNode? node, string folder)
    {
        var fallback = System.IO.Path.GetFullPath("cache");
        if (RecipeReader.IsNull(node))
        {
            return (fallback, null);
        }

        IReadOnlyList<YamlNode> items = node is YamlSequenceNode list ? [.. list.Children] : [node!];
        if (items.Count is 0 or > 2)
        {
            reader.Error(node, "cache_dir", "give a folder, a blob container URL, or a list [folder, url]");
            return (null, null);
        }

        string? local = null;
        SharedCacheLocation? shared = null;
        foreach (var item in items)
        {
            if (reader.String(item, "cache_dir") is not { } text)
            {
                continue;
            }

            if (!SharedCacheLocation.IsUrl(text))
            {
                if (local is not null)
                {
                    reader.Error(item, "cache_dir", "names two local folders; give one folder and at most one blob container URL");
                }

                local = Resolve(folder, text);
                continue;
            }

            if (shared is not null)
            {
                reader.Error(item, "cache_dir", "names two blob containers; only one shared cache is supported (as in Olive)");
                continue;
            }

            try
            {
                shared = SharedCacheLocation.Parse(text);
            }
            catch (FormatException e)
            {
                reader.Error(item, "cache_dir", e.Message);
            }
        }

        return (local ?? fallback, shared);
    }
}
