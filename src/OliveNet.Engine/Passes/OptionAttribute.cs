namespace OliveNet.Engine.Passes;

/// <summary>
/// Documents one property of a pass options record: the description feeds <c>--help</c>, <c>olivenet passes</c> and the
/// recipe schema; <see cref="Candidates"/> are the values a search tries when the recipe leaves the option open.
/// The property's initializer is the default. Recipe keys are the property names in snake_case.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OptionAttribute(string description) : Attribute
{
    /// <summary>What the option does, in one or two sentences.</summary>
    public string Description { get; } = description;

    /// <summary>Values a search tries for this option; empty = not searched.</summary>
    public object[] Candidates { get; init; } = [];

    /// <summary>The value is a file or folder path: a relative one is resolved against the recipe's folder.</summary>
    public bool IsPath { get; init; }
}
