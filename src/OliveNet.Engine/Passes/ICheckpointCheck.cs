namespace OliveNet.Engine.Passes;

/// <summary>
/// A pass that reads Hugging Face checkpoints and can tell from the checkpoint's <c>config.json</c> alone, while the
/// recipe is validated, that it cannot handle it (an architecture it does not export, a missing field), instead of
/// failing once the run reaches it.
/// </summary>
public interface ICheckpointCheck
{
    /// <summary>
    /// The problems this pass would meet on the checkpoint in <paramref name="folder"/> with <paramref name="options"/>,
    /// read from its config files only (weights are not opened); empty when none.
    /// </summary>
    IReadOnlyList<string> CheckCheckpoint(string folder, object options);
}
