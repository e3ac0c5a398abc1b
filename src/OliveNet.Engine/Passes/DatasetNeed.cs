namespace OliveNet.Engine.Passes;

/// <summary>Whether a pass needs a data config (calibration data, tuning inputs).</summary>
public enum DatasetNeed
{
    /// <summary>The pass never reads data.</summary>
    NotRequired,

    /// <summary>The pass uses data when the recipe gives it.</summary>
    Optional,

    /// <summary>The pass cannot run without data.</summary>
    Required,
}
