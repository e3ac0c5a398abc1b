namespace OliveNet.Cli;

/// <summary>The exit codes every <c>olivenet</c> command uses.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed while working (the model could not be read or run).</summary>
    public const int Failure = 1;

    /// <summary>The arguments, recipe or input files are invalid; nothing ran.</summary>
    public const int InvalidInput = 2;

    /// <summary>The run finished, but no candidate met the goals; nothing was published.</summary>
    public const int GoalsNotMet = 3;

    /// <summary>Stopped by Ctrl+C (SIGINT), by the shell convention 128 + 2; finished passes stay cached.</summary>
    public const int Interrupted = 130;
}
