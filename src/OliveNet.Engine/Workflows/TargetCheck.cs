using OliveNet.Engine.Passes;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>Makes sure the target's execution provider can be created here before anything runs.</summary>
public static class TargetCheck
{
    /// <summary>
    /// Returns the target to run with: the recipe's, or its fallback (with a warning added to <paramref name="warnings"/>)
    /// when this ONNX Runtime build cannot create the provider here. Never falls back silently.
    /// </summary>
    /// <exception cref="WorkflowFailedException">The provider cannot be created and the recipe names no fallback.</exception>
    public static Target Resolve(Target target, ICollection<string> warnings)
    {
        var reason = Unavailable(target.ExecutionProvider);
        if (reason is null)
        {
            return target;
        }

        if (target.FallbackExecutionProvider is not { } fallback)
        {
            throw new WorkflowFailedException(
                $"the target execution provider {target.ExecutionProvider} cannot be created by ONNX Runtime {OrtRuntime.Version} on this machine ({reason}). " +
                $"Run where it is available, or name a fallback: execution_providers: [{target.ExecutionProvider}, CPUExecutionProvider]");
        }

        if (Unavailable(fallback) is { } fallbackReason)
        {
            throw new WorkflowFailedException(
                $"neither the target execution provider {target.ExecutionProvider} nor its fallback {fallback} can be created here ({fallbackReason})");
        }

        warnings.Add($"target {target.ExecutionProvider} is not available here ({FirstLine(reason)}); using the fallback {fallback}: results are for {fallback}, not {target.ExecutionProvider}");
        return new Target(fallback == "CPUExecutionProvider" ? "cpu" : target.Device, fallback);
    }

    private static string? Unavailable(string provider)
    {
        if (provider == "CPUExecutionProvider")
        {
            return null;
        }

        try
        {
            using var options = new SessionOptions();
            options.AppendExecutionProvider(provider);
            return null;
        }
        catch (OrtException e)
        {
            return e.Message;
        }
    }

    private static string FirstLine(string text)
    {
        var cut = text.IndexOfAny(['\n', '.']);
        return cut > 0 ? text[..cut] : text;
    }
}
