namespace OliveNet.Runtime.Interop;

/// <summary>The process-wide <c>OrtEnv</c> (log level warning, log id "olivenet"); created on first use, never released.</summary>
internal static unsafe class OrtEnvironment
{
    private const int LoggingLevelWarning = 2;
    private static readonly Lock Gate = new();
    private static EnvHandle? env;

    public static EnvHandle Handle
    {
        get
        {
            if (env is not null)
            {
                return env;
            }

            lock (Gate)
            {
                if (env is null)
                {
                    nint created;
                    fixed (byte* logId = Utf8.Bytes("olivenet"))
                    {
                        OrtStatus.Check(OrtApi.CreateEnv(LoggingLevelWarning, logId, &created), "Cannot create the ONNX Runtime environment");
                    }

                    env = new EnvHandle(created);
                }

                return env;
            }
        }
    }
}
