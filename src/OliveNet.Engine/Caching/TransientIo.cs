using Polly;
using Polly.Retry;

namespace OliveNet.Engine.Caching;

/// <summary>
/// Retries file-system steps that can fail for a moment (a rename racing another process, a file briefly held
/// open, NFS hiccups): three more tries with exponential back-off from 100 ms. Missing files are not transient.
/// </summary>
internal static class TransientIo
{
    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<IOException>(e => e is not FileNotFoundException and not DirectoryNotFoundException),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    /// <summary>Runs <paramref name="action"/>, retrying transient I/O errors.</summary>
    public static void Run(Action action) => Pipeline.Execute(action);
}
