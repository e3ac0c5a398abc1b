namespace OliveNet.Engine.Search;

/// <summary>The recipe's <c>search_strategy</c>, with Olive's defaults.</summary>
public sealed record SearchSpec
{
    /// <summary>joint (one space over all passes) or pass-by-pass (best option of each pass in turn).</summary>
    public string ExecutionOrder { get; init; } = "joint";

    /// <summary>sequential (exhaustive, in order), random, or tpe.</summary>
    public string Sampler { get; init; } = "sequential";

    /// <summary>Points to evaluate; 0 = the whole space.</summary>
    public int MaxSamples { get; init; }

    /// <summary>Seed of the random and TPE samplers.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Stop as soon as a candidate meets every goal (joint only).</summary>
    public bool StopWhenGoalsMet { get; init; }

    /// <summary>Most samples proposed, evaluated or not (joint only); 0 = no limit.</summary>
    public int MaxIter { get; init; }

    /// <summary>Wall-clock budget in seconds (joint only); 0 = no limit.</summary>
    public double MaxTime { get; init; }

    /// <summary>Whether each pass's own search candidates widen the space for options the recipe leaves unset.</summary>
    public bool IncludePassParams { get; init; } = true;

    /// <summary>Refuse spaces larger than this before anything runs.</summary>
    public int MaxSpaceSize { get; init; } = 256;

    /// <summary>Samplers OliveNet has.</summary>
    public static IReadOnlyList<string> Samplers { get; } = ["sequential", "random", "tpe"];

    /// <summary>Execution orders.</summary>
    public static IReadOnlyList<string> ExecutionOrders { get; } = ["joint", "pass-by-pass"];

    /// <summary>The keys of a search_strategy mapping.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["execution_order", "sampler", "search_algorithm", "max_samples", "seed", "stop_when_goals_met", "max_iter", "max_time",
         "include_pass_params", "max_space_size", "output_model_num", "search_algorithm_config"];
}
