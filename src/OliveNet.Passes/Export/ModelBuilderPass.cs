using Google.Protobuf;
using OliveNet.Engine.Passes;
using OliveNet.Engine.Recipes;
using OliveNet.Onnx.Protos;
using OliveNet.Passes.Export.Onnx;
using OliveNet.Passes.Export.SafeTensors;

namespace OliveNet.Passes.Export;

/// <summary>
/// Exports a Hugging Face decoder checkpoint (safetensors) to the ONNX layout ONNX Runtime GenAI runs on CPU, in
/// C#: GroupQueryAttention with fused rotary, (Skip)SimplifiedLayerNormalization, packed QKV, KV cache I/O, weights
/// streamed into one <c>model.onnx.data</c>, int4/int8 as MatMulNBits quantized straight from the checkpoint (the token
/// embedding as GatherBlockQuantized, sharing the LM head's table when tied), logits for the last position only unless
/// asked otherwise, <c>genai_config.json</c> and the tokenizer files beside it. It must be the first pass of a recipe
/// whose input is an HfModel. Options and defaults: docs/modelbuilder.md.
/// </summary>
public sealed class ModelBuilderPass : IPass<ModelBuilderOptions>, ICheckpointCheck
{
    /// <summary>The pass id (Olive's pass type name).</summary>
    public const string PassId = "ModelBuilder";

    /// <summary>Companion files copied from the checkpoint when present.</summary>
    internal static readonly string[] TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt",
        "added_tokens.json", "chat_template.jinja", "generation_config.json",
    ];

    /// <inheritdoc/>
    public PassMetadata Metadata { get; } = new(
        Id: PassId,
        Version: 2,
        Summary: "Export a Hugging Face decoder checkpoint (Llama, Mistral, Qwen2, Qwen3, Phi3, Gemma3, SmolLM3, Olmo3, HunYuanDenseV1, Qwen3.5; the text decoder of Qwen2.5-VL, Qwen3-VL, Gemma3 and Mistral3; Whisper as encoder + decoder in fp32) to the ONNX Runtime GenAI layout in fp32/fp16/int8/int4.",
        Devices: ["cpu"],
        ExecutionProviders: ["CPUExecutionProvider"],
        Precisions: ["fp32", "fp16", "int8", "int4"],
        Dataset: DatasetNeed.NotRequired,
        RunsOnTarget: false,
        TargetAgnostic: true)
    {
        Lossy = true,
        ReadsCheckpoint = true,
    };

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate(ModelBuilderOptions options, Target target)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Precision.ToLowerInvariant() is not ("fp32" or "fp16" or "int8" or "int4"))
        {
            errors.Add($"precision: '{options.Precision}' is not one of fp32, fp16, int8, int4.");
        }

        if (options.Int4BlockSize < 16 || options.Int4BlockSize > 256 || (options.Int4BlockSize & (options.Int4BlockSize - 1)) != 0)
        {
            errors.Add($"int4_block_size: {options.Int4BlockSize} is not a power of two from 16 to 256.");
        }

        if (options.Int4AccuracyLevel is < 0 or > 4)
        {
            errors.Add($"int4_accuracy_level: {options.Int4AccuracyLevel} is not 0..4.");
        }

        if (!ExportSettings.AlgoConfigs.Contains(options.Int4AlgoConfig.ToLowerInvariant(), StringComparer.Ordinal))
        {
            errors.Add($"int4_algo_config: '{options.Int4AlgoConfig}' is not one of {string.Join(", ", ExportSettings.AlgoConfigs)}{DidYouMean.Hint(options.Int4AlgoConfig, ExportSettings.AlgoConfigs)}.");
        }

        foreach (var op in options.Int4OpTypesToQuantize.Where(o => o is not ("MatMul" or "Gather" or "Gemm")))
        {
            errors.Add($"int4_op_types_to_quantize: '{op}' is not one of MatMul, Gather, Gemm{DidYouMean.Hint(op, ["MatMul", "Gather", "Gemm"])}.");
        }

        if (options.IncludeHiddenStates && options.ExcludeLmHead)
        {
            errors.Add("include_hidden_states: cannot be combined with exclude_lm_head (which already outputs hidden_states instead of logits); keep one.");
        }

        if (!string.Equals(options.ExecutionProvider, "cpu", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"execution_provider: '{options.ExecutionProvider}' is not supported; ModelBuilder lays out graphs for cpu.");
        }

        return errors;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> CheckCheckpoint(string folder, object options) =>
        Whisper.WhisperConfig.IsFolder(folder) && Whisper.WhisperExport.Refusal(ExportSettings.From((ModelBuilderOptions)options)) is { } refusal
            ? [refusal]
            : CheckpointArchitecture.Problems(folder);

    /// <inheritdoc/>
    public void Run(PassContext context, ModelBuilderOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        var folder = context.Input.Folder;
        if (!context.Input.IsCheckpoint)
        {
            throw new PassFailedException(
                $"{PassId} exports Hugging Face checkpoints, but its input is the ONNX model {context.Input.ModelPath}; use input_model type HfModel with a checkpoint folder, or drop this pass.");
        }

        var settings = ExportSettings.From(options);
        if (settings.Bits != 0 && settings.AlgoConfig.StartsWith("k_quant", StringComparison.Ordinal))
        {
            context.Log.WriteLine($"{PassId}: int4_algo_config {settings.AlgoConfig}: each block's scale and zero point are searched to minimise its weighted squared error (k-quant); blocks a checkpoint pass already quantized are packed as they are.");
        }

        try
        {
            Export(folder, context.OutputFolder, settings, context.Log, context.Cancellation);
        }
        catch (ExportException e)
        {
            throw new PassFailedException(e.Message, e);
        }
        catch (SafeTensorsException e)
        {
            throw new PassFailedException(e.Message, e);
        }
    }

    /// <summary>Exports the checkpoint in <paramref name="checkpoint"/> into <paramref name="output"/> (model.onnx, model.onnx.data, genai_config.json, tokenizer files).</summary>
    /// <exception cref="ExportException">The config is unsupported or inconsistent with the weights.</exception>
    /// <exception cref="SafeTensorsException">The weights are missing or malformed.</exception>
    internal static void Export(string checkpoint, string output, ExportSettings settings, TextWriter log, CancellationToken cancellation)
    {
        if (Whisper.WhisperConfig.IsFolder(checkpoint))
        {
            Whisper.WhisperExport.Export(checkpoint, output, settings, log, cancellation);
            return;
        }

        var config = HfConfig.Load(checkpoint);
        using var weights = SafeTensorsCheckpoint.Open(checkpoint);
        Directory.CreateDirectory(output);
        log.WriteLine($"{PassId}: {config.Architecture}, {config.Layers} layers, hidden {config.Hidden}, heads {config.Heads}/{config.KvHeads}, precision {settings.Precision}");
        using var data = new ExternalDataWriter(output, "model.onnx.data");
        var graph = new GraphBuilder(data);
        new DecoderBuilder(config, new WeightReader(CheckpointTensors.Create(weights, config.Raw)), graph, settings).Build(cancellation);
        var model = new ModelProto { IrVersion = 10, ProducerName = "olivenet", Graph = graph.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 21 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = GraphBuilder.Ms, Version = 1 });
        var dataBytes = data.Length;
        data.Commit();
        var path = Path.Combine(output, "model.onnx");
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            model.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
        GenAiConfig.Write(GenAiConfig.Create(config, settings, "model.onnx"), output);
        foreach (var file in TokenizerFiles.Where(f => File.Exists(Path.Combine(checkpoint, f))))
        {
            File.Copy(Path.Combine(checkpoint, file), Path.Combine(output, file), overwrite: true);
        }

        log.WriteLine($"{PassId}: wrote {path} ({dataBytes / 1e6:0.0} MB of weights)");
    }
}
