using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Quantization.WeightOnly;

/// <summary>The checks and reads every checkpoint-level weight-only pass starts with.</summary>
internal static class CheckpointInput
{
    /// <summary>The folder of the input checkpoint.</summary>
    /// <exception cref="PassFailedException">The input is an ONNX model.</exception>
    public static string Folder(PassContext context, string passId) => context.Input.IsCheckpoint
        ? context.Input.Folder
        : throw new PassFailedException(
            $"{passId} quantizes Hugging Face checkpoints (input_model type HfModel), but its input is the ONNX model {context.Input.ModelPath}; put {passId} before ModelBuilder, or use OnnxBlockWiseRtnQuantization / OnnxHqqQuantization on ONNX models.");

    /// <summary>config.json of <paramref name="folder"/>; a vision-language checkpoint's flattened to its text decoder (Export.MultimodalConfig).</summary>
    /// <exception cref="PassFailedException">It is missing or not a JSON object.</exception>
    public static JsonObject Config(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        try
        {
            return Export.MultimodalConfig.Flatten(JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new PassFailedException($"{path}: not a JSON object."));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new PassFailedException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Refuses a Qwen3.5 checkpoint (hybrid Gated DeltaNet), which the checkpoint-level passes do not cover (ModelBuilder
    /// quantizes it itself), and a Whisper checkpoint (<see cref="WhisperRefusal"/>).
    /// </summary>
    /// <exception cref="PlanException">The checkpoint is Qwen3.5; the message says why and what to do.</exception>
    public static void RefuseQwen35(JsonObject config, string passId, string reason)
    {
        if (Qwen35Refusal(config, passId, reason) is { } refusal)
        {
            throw new PlanException(refusal);
        }
    }

    /// <summary>The refusal <see cref="RefuseQwen35"/> throws, or null when <paramref name="config"/> is not Qwen3.5.</summary>
    public static string? Qwen35Refusal(JsonObject config, string passId, string reason) =>
        WhisperRefusal(config, passId) ?? (config["architectures"] is JsonArray { Count: > 0 } architectures && architectures[0] is JsonValue value
            && value.TryGetValue<string>(out var architecture) && Export.DecoderFamilies.Of(architecture) == Export.DecoderFamily.Qwen35
            ? $"{passId}: {architecture} (Qwen3.5, hybrid Gated DeltaNet) is not supported: {reason}; drop {passId} and let ModelBuilder quantize (int4_algo_config rtn or k_quant_*)."
            : null);

    /// <summary>
    /// The refusal of a Whisper checkpoint by a checkpoint-level pass (<paramref name="passId"/>), or null when
    /// <paramref name="config"/> is not Whisper: these passes know decoder-only layers, and ModelBuilder exports Whisper
    /// in fp32 only.
    /// </summary>
    public static string? WhisperRefusal(JsonObject config, string passId) =>
        Export.Whisper.WhisperConfig.Is(config)
            ? $"{passId}: {Export.Whisper.WhisperConfig.ArchitectureName} (Whisper, a speech encoder–decoder) is not supported: {passId} quantizes decoder-only checkpoints; drop {passId}, export Whisper with ModelBuilder in fp32 and quantize the ONNX models (OnnxKQuantQuantization, OnnxBlockWiseRtnQuantization)."
            : null;

    /// <summary>The validation-time form of <see cref="RefuseQwen35"/> for the checkpoint in <paramref name="folder"/> (unreadable configs are left to the run).</summary>
    public static IReadOnlyList<string> Qwen35Problems(string folder, string passId, string reason)
    {
        try
        {
            return Qwen35Refusal(Config(folder), passId, reason) is { } refusal ? [refusal] : [];
        }
        catch (PassFailedException)
        {
            return [];
        }
    }

    /// <summary>Runs <paramref name="body"/>, turning checkpoint and plan errors into pass failures.</summary>
    public static void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (PlanException e)
        {
            throw new PassFailedException(e.Message, e);
        }
        catch (SafeTensorsException e)
        {
            throw new PassFailedException(e.Message, e);
        }
        catch (Export.ExportException e)
        {
            throw new PassFailedException(e.Message, e);
        }
    }

    /// <summary>Options validation shared by Rtn and Gptq.</summary>
    public static void Validate(List<string> errors, int bits, int groupSize)
    {
        if (bits is not (2 or 4 or 8))
        {
            errors.Add($"bits: {bits} is not 2, 4 or 8.");
        }

        if (groupSize != -1 && groupSize <= 0)
        {
            errors.Add($"group_size: {groupSize} is not -1 (per channel) or a positive group size.");
        }
    }
}
