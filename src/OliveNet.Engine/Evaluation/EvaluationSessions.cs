using OliveNet.Runtime;

namespace OliveNet.Engine.Evaluation;

/// <summary>
/// How evaluation configures the sessions it opens: ORT's full graph optimizations on the target's provider, then the
/// session settings recorded beside the model (<see cref="InferenceSettings"/>, written by OrtSessionParamsTuning), so a
/// tuned model is measured as it will run.
/// </summary>
public static class EvaluationSessions
{
    /// <summary>Session options for evaluating <paramref name="modelPath"/> on <paramref name="executionProvider"/>; the caller disposes them.</summary>
    /// <param name="modelPath">The model file; its folder may hold model_config.json.</param>
    /// <param name="executionProvider">The target's provider.</param>
    /// <param name="forTiming">For interleaved timing: idle threads sleep instead of spinning (so one session's pool does not take the
    /// cores of the next) unless the recorded settings say otherwise.</param>
    /// <exception cref="InvalidDataException">model_config.json is there but not in Olive's form.</exception>
    public static SessionOptions Options(string modelPath, string executionProvider, bool forTiming)
    {
        var options = new SessionOptions { OptimizationLevel = GraphOptimizationLevel.All };
        try
        {
            var settings = InferenceSettings.Load(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
            if (forTiming && settings?.ConfigEntries.ContainsKey("session.intra_op.allow_spinning") != true)
            {
                options.AddConfigEntry("session.intra_op.allow_spinning", "0");
            }

            var providerOptions = settings?.ApplyTo(options, executionProvider) ?? new Dictionary<string, string>();
            options.AppendExecutionProvider(executionProvider, providerOptions.Count > 0 ? providerOptions : null);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
