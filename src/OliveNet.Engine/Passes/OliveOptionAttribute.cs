namespace OliveNet.Engine.Passes;

/// <summary>
/// Declares, on a pass's options record, how an Olive option of that pass that the record does not hold as such is read:
/// as another key of the record (<see cref="SameAs"/>: a renamed option), as another key when its value is a list
/// (<see cref="ListSameAs"/>: Olive's list form of a bool-or-list option), or accepted and left out with a note saying
/// why it has no effect (<see cref="Ignored"/>), as Olive itself warns about and ignores keys it does not use; a list
/// of names removed from another list option (<see cref="RemovesFrom"/>); a mapping whose entries are other options
/// (<see cref="Entries"/>); or refused with a reason unless it has Olive's neutral value (<see cref="Unsupported"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class OliveOptionAttribute(string key) : Attribute
{
    /// <summary>The Olive option key (snake_case).</summary>
    public string Key { get; } = key;

    /// <summary>The option of the record this key is another name for; the value is bound to it unchanged.</summary>
    public string? SameAs { get; init; }

    /// <summary>The option of the record that takes this key's value when the value is a list.</summary>
    public string? ListSameAs { get; init; }

    /// <summary>Why the option has no effect in OliveNet; the key is accepted, noted with this reason and not bound.</summary>
    public string? Ignored { get; init; }

    /// <summary>A list option whose values (the key's list) are taken out of this one (its given value or its default).</summary>
    public string? RemovesFrom { get; init; }

    /// <summary>
    /// For a mapping-valued Olive option: <c>"entry=option"</c> binds that entry to an option of the record; a bare
    /// <c>"entry"</c> is accepted and noted with <see cref="Ignored"/>; any other entry is an error.
    /// </summary>
    public string[] Entries { get; init; } = [];

    /// <summary>Why OliveNet cannot honour the option; any value but <see cref="NeutralJson"/> is an error with this reason.</summary>
    public string? Unsupported { get; init; }

    /// <summary>The value (as JSON) with which an <see cref="Unsupported"/> option changes nothing and is accepted.</summary>
    public string? NeutralJson { get; init; }
}
