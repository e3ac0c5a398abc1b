namespace OliveNet.Engine.Passes;

/// <summary>The passes this build knows, looked up by Olive type name (case-insensitive).</summary>
public sealed class PassRegistry
{
    private readonly Dictionary<string, IPass> _byId;

    /// <summary>Creates the registry from the registered passes (see <c>BuiltInPasses</c>).</summary>
    /// <exception cref="InvalidOperationException">Two passes share an id.</exception>
    public PassRegistry(IEnumerable<IPass> passes)
    {
        _byId = new Dictionary<string, IPass>(StringComparer.OrdinalIgnoreCase);
        foreach (var pass in passes)
        {
            if (!_byId.TryAdd(pass.Metadata.Id, pass))
            {
                throw new InvalidOperationException($"two passes are registered with id '{pass.Metadata.Id}'");
            }
        }
    }

    /// <summary>Every pass, ordered by id.</summary>
    public IReadOnlyList<IPass> All => _byId.Values.OrderBy(p => p.Metadata.Id, StringComparer.Ordinal).ToList();

    /// <summary>The pass with this type name, or null.</summary>
    public IPass? Find(string type) => _byId.GetValueOrDefault(type);
}
