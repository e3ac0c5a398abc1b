using System.Collections;

namespace OliveNet.Runtime;

/// <summary>Values returned by ORT (run outputs, sequence elements); owns them and disposes all of them.</summary>
public sealed class OrtValueList : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly OrtValue[] values;
    private readonly string[]? names;

    internal OrtValueList(OrtValue[] values, string[]? names = null)
    {
        this.values = values;
        this.names = names;
    }

    public int Count => values.Length;

    /// <summary>Output names in the same order as the values (run outputs only; empty for sequence elements).</summary>
    public IReadOnlyList<string> Names => names ?? [];

    public OrtValue this[int index] => values[index];

    /// <summary>The output named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No output of that name was requested.</exception>
    public OrtValue this[string name]
    {
        get
        {
            var index = names is null ? -1 : Array.IndexOf(names, name);
            return index >= 0
                ? values[index]
                : throw new KeyNotFoundException($"No output named '{name}'; outputs are: {string.Join(", ", Names)}.");
        }
    }

    public IEnumerator<OrtValue> GetEnumerator() => ((IEnumerable<OrtValue>)values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}
