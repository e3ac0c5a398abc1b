using OliveNet.Engine.Passes;
using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Gguf;

/// <summary>
/// Exports a Hugging Face decoder checkpoint to one GGUF v3 file for llama.cpp and Ollama (<c>model.gguf</c>), with an
/// Ollama <c>Modelfile</c> and the checkpoint's tokenizer.json beside it. It must be the first pass of a recipe whose input is an HfModel.
/// </summary>
public sealed class GgufExportPass : IPass<GgufExportOptions>, ICheckpointCheck
{
    /// <summary>The pass id.</summary>
    public const string PassId = "GgufExport";

    private static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json"];

    /// <summary>The GGUF file name in the output folder.</summary>
    public const string FileName = "model.gguf";

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: PassId,
        Version: 1,
        Summary: "Export a Hugging Face decoder checkpoint (Llama, Mistral, Qwen2, Qwen3, Phi3, Gemma3, SmolLM3, HunYuanDenseV1) to one GGUF file for llama.cpp/Ollama (F32, F16, BF16, Q8_0, Q5_x, Q4_x, K-quants, Q4_K_M, Q5_K_M) plus an Ollama Modelfile.",
        Devices: ["cpu"],
        // llama.cpp runs the file, not an ONNX Runtime execution provider: any CPU target's provider is accepted.
        ExecutionProviders: [],
        Precisions: ["fp32", "fp16", "bf16", "int8", "int5", "int4"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
        ReadsCheckpoint = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> CheckCheckpoint(string folder, object options)
    {
        if (OliveNet.Passes.Export.Whisper.WhisperConfig.IsFolder(folder))
        {
            return [GgufExporter.WhisperRefusal(folder)];
        }

        var problems = CheckpointArchitecture.Problems(folder);
        if (problems.Count > 0)
        {
            return problems;
        }

        return GgufExporter.Refusal(HfConfig.Load(folder), folder) is { } refusal ? [refusal] : [];
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(GgufExportOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (GgufQuantization.Canonical(options.Quantization) is null)
        {
            errors.Add($"quantization: '{options.Quantization}' is not one of {string.Join(", ", GgufQuantization.Formats)}.");
        }

        if (options.NumCtx < 0)
        {
            errors.Add($"num_ctx: {options.NumCtx} is negative; use 0 for the default.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public void Run(PassContext context, GgufExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (!context.Input.IsCheckpoint)
        {
            throw new PassFailedException(
                $"{PassId} exports Hugging Face checkpoints, but its input is {context.Input.ModelPath}; use input_model type HfModel with a checkpoint folder, or drop this pass.");
        }

        try
        {
            Export(context.Input.Folder, context.OutputFolder, GgufQuantization.Canonical(options.Quantization)!, options.NumCtx, context.Log, context.Cancellation, options.Pure);
        }
        catch (Exception e) when (e is ExportException or SafeTensorsException)
        {
            throw new PassFailedException(e.Message, e);
        }
    }

    /// <summary>Writes <c>model.gguf</c> and <c>Modelfile</c> for <paramref name="checkpoint"/> into <paramref name="output"/>.</summary>
    /// <exception cref="ExportException">The config or tokenizer is unsupported or inconsistent with the weights.</exception>
    /// <exception cref="SafeTensorsException">The weights are missing or malformed.</exception>
    public static string Export(string checkpoint, string output, string format, int numCtx, TextWriter log, CancellationToken cancellation, bool pure = false)
    {
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, FileName);
        var result = GgufExporter.Export(checkpoint, path, format, log, cancellation, pure);
        OllamaModelfile.Write(output, FileName, result.Vocabulary, numCtx > 0 ? numCtx : Math.Min(result.ContextLength, 4096), log);

        // The GGUF carries its own vocabulary; tokenizer.json beside it lets OliveNet tokenize evaluation text the same way.
        foreach (var file in TokenizerFiles.Where(f => File.Exists(Path.Combine(checkpoint, f))))
        {
            File.Copy(Path.Combine(checkpoint, file), Path.Combine(output, file), overwrite: true);
        }

        return path;
    }
}
