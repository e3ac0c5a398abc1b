namespace OliveNet.Engine.Caching;

/// <summary>
/// One workflow's pass-run cache as <c>olivenet cache</c> looks after it: a local folder (<see cref="ArtifactCache"/>) or
/// the shared level in a blob container (<see cref="Shared.SharedCache"/>).
/// </summary>
public interface IWorkflowCache
{
    /// <summary>The workflow id.</summary>
    string WorkflowId { get; }

    /// <summary>Where the cache is: a folder or a container URL (never with credentials).</summary>
    string Location { get; }

    /// <summary>Every complete entry's record, oldest first.</summary>
    IReadOnlyList<CacheRecord> List();

    /// <summary>Bytes stored for one entry.</summary>
    long EntryBytes(string key);

    /// <summary>Whether a successful entry's artifact still hashes to its record.</summary>
    bool Verify(CacheRecord record);

    /// <summary>Deletes one entry; it is no longer visible when this returns.</summary>
    void Remove(string key);

    /// <summary>Removes what no run will trust: leftovers of killed runs and half-written entries. Returns how many.</summary>
    int RemoveIncomplete();

    /// <summary>Deletes the workflow's whole cache.</summary>
    void Clear();
}
