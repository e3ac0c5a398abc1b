namespace OliveNet.Engine.Passes;

/// <summary>
/// A model transformation. The engine sees only this interface, the metadata and canonical options JSON:
/// it binds options from the recipe to <see cref="OptionsType"/> and calls <see cref="Run"/>.
/// </summary>
public interface IPass
{
    /// <summary>Facts about the pass.</summary>
    PassMetadata Metadata { get; }

    /// <summary>The options record type (a sealed record with <see cref="OptionAttribute"/> on each property).</summary>
    Type OptionsType { get; }

    /// <summary>
    /// Checks options that binding cannot (combinations, ranges). Returns the problems as messages naming the option
    /// key in snake_case; empty when the options are valid.
    /// </summary>
    IReadOnlyList<string> Validate(object options, Target target);

    /// <summary>Transforms <see cref="PassContext.Input"/> into a new model at <see cref="PassContext.OutputModelPath"/>.</summary>
    /// <exception cref="PassFailedException">The pass cannot produce a model from this input.</exception>
    void Run(PassContext context, object options);
}

/// <summary>The typed form every built-in pass implements.</summary>
/// <typeparam name="TOptions">The pass's options record.</typeparam>
public interface IPass<TOptions> : IPass
    where TOptions : class, new()
{
    Type IPass.OptionsType => typeof(TOptions);

    IReadOnlyList<string> IPass.Validate(object options, Target target) => Validate((TOptions)options, target);

    void IPass.Run(PassContext context, object options) => Run(context, (TOptions)options);

    /// <inheritdoc cref="IPass.Validate"/>
    IReadOnlyList<string> Validate(TOptions options, Target target) => [];

    /// <inheritdoc cref="IPass.Run"/>
    void Run(PassContext context, TOptions options);
}
