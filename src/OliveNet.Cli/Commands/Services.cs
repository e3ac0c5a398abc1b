using Microsoft.Extensions.DependencyInjection;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Passes;

namespace OliveNet.Cli.Commands;

/// <summary>Composes the engine's services: the built-in passes, their registry, the recipe loader.</summary>
internal static class Services
{
    private static readonly Lazy<ServiceProvider> Provider = new(() => new ServiceCollection()
        .AddBuiltInPasses()
        .AddSingleton(sp => new PassRegistry(sp.GetServices<IPass>()))
        .AddSingleton<RecipeLoader>()
        .BuildServiceProvider());

    public static PassRegistry Passes => Provider.Value.GetRequiredService<PassRegistry>();

    public static RecipeLoader Recipes => Provider.Value.GetRequiredService<RecipeLoader>();
}
