using OliveNet.Engine.Passes;

namespace OliveNet.Passes.Tuning;

/// <summary>Options of <see cref="OrtSessionParamsTuningPass"/>, named as Olive names them (plus OliveNet's spinning and timing counts).</summary>
[OliveOption("device", Ignored = "the device is the recipe's target")]
[OliveOption("io_bind", Unsupported = "IO binding only matters for GPU execution providers; OliveNet tunes sessions on the CPU", NeutralJson = "false")]
[OliveOption("enable_cuda_graph", Ignored = "CUDA graphs only apply to the CUDA execution provider")]
[OliveOption("trt_fp16_enable", Ignored = "it only applies to the TensorRT execution provider")]
[OliveOption("force_evaluate_other_eps", Ignored = "OliveNet tunes the recipe's target execution provider only")]
[OliveOption("enable_profiling", Ignored = "OliveNet's latency measurement does not profile; use olivenet bench for ONNX Runtime's per-node profile")]
[OliveOption("user_script", Ignored = "OliveNet reads tuning inputs from data_config's tensor folder")]
[OliveOption("script_dir", Ignored = "OliveNet reads tuning inputs from data_config's tensor folder")]
public sealed record OrtSessionParamsTuningOptions
{
    /// <summary>Tensor folder of inputs to time (the recipe's data_config); unset = generated inputs.</summary>
    [Option(
        "Folder of input samples to time, as written for the pass's data_config (sample_NN/input_k.pb). Unset: seeded random " +
        "inputs at the model's input shapes, dynamic dimensions 1, as the latency metric without data does.",
        IsPath = true)]
    public string? DataDir { get; init; }

    /// <summary>The execution provider tuned; null = the target's.</summary>
    [Option("The execution provider to tune (Olive's providers_list with one value); unset = the recipe's target provider. Another provider than the target's is refused.")]
    public string? ProvidersList { get; init; }

    /// <summary>Provider options to try.</summary>
    [Option("Execution provider options to try, one mapping per candidate (all values as strings); [{}] tries the provider's defaults only.")]
    public Dictionary<string, string>[] ProviderOptionsList { get; init; } = [[]];

    /// <summary>Execution modes to try.</summary>
    [Option("Execution modes to try: 0 sequential, 1 parallel (independent branches at once, with inter_thread_num_list threads). Olive leaves it unset; OliveNet tries both.")]
    public int[] ExecutionModeList { get; init; } = [0, 1];

    /// <summary>Graph optimization levels to try.</summary>
    [Option("ONNX Runtime graph optimization levels to try: 0 none, 1 basic, 2 extended, 99 all (ORT's default, tried first).")]
    public int[] OptLevelList { get; init; } = [99, 2, 1];

    /// <summary>Intra-op thread counts to try; empty = 1, 2, 4, … up to cpu_cores.</summary>
    [Option("Intra-op thread counts to try. Empty: 1, 2, 4, … and cpu_cores itself.")]
    public int[] IntraThreadNumList { get; init; } = [];

    /// <summary>Inter-op thread counts to try with parallel execution; empty = ORT's choice.</summary>
    [Option("Inter-op thread counts to try with parallel execution (execution_mode 1). Empty: ORT's choice only.")]
    public int[] InterThreadNumList { get; init; } = [];

    /// <summary>Upper bound of the thread search.</summary>
    [Option("CPU cores the thread search goes up to; unset = the logical processors of this machine.")]
    public int? CpuCores { get; init; }

    /// <summary>Session config entries applied to every candidate.</summary>
    [Option("Session config entries set on every candidate session (e.g. {\"session.intra_op_thread_affinities\": \"1;2\"}) and recorded with the winner.")]
    public Dictionary<string, string> ExtraSessionConfig { get; init; } = [];

    /// <summary>Spinning settings to try.</summary>
    [Option("Whether idle intra-op threads spin (session.intra_op.allow_spinning): the values tried, ORT's default (true) first. Spinning lowers latency and burns CPU.")]
    public bool[] AllowSpinningList { get; init; } = [true, false];

    /// <summary>Untimed runs per candidate.</summary>
    [Option("Untimed runs per candidate before timing (Olive's latency metric: warmup_num).")]
    public int WarmupNum { get; init; } = 10;

    /// <summary>Timed runs per candidate.</summary>
    [Option("Timed runs per candidate (Olive's latency metric: repeat_test_num); the median decides, within the spread of the samples.")]
    public int RepeatTestNum { get; init; } = 20;
}
