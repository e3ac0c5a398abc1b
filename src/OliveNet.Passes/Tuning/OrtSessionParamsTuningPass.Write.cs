using System.Text.Json.Nodes;
using OliveNet.Engine.Passes;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tuning;

/// <summary>Writing the winner beside the unchanged model.</summary>
public sealed partial class OrtSessionParamsTuningPass
{
    /// <summary>GenAI's names of ORT's graph optimization levels (its config reads only these).</summary>
    private static string GenAiLevel(GraphOptimizationLevel level) => level switch
    {
        GraphOptimizationLevel.DisableAll => "ORT_DISABLE_ALL",
        GraphOptimizationLevel.Basic => "ORT_ENABLE_BASIC",
        GraphOptimizationLevel.Extended => "ORT_ENABLE_EXTENDED",
        _ => "ORT_ENABLE_ALL",
    };

    /// <summary>Copies the input folder (model, external data, companions) and records <paramref name="settings"/> in it.</summary>
    private static void Write(PassContext context, InferenceSettings settings)
    {
        foreach (var file in Directory.GetFiles(context.Input.Folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name == InferenceSettings.FileName)
            {
                continue;
            }

            File.Copy(file, Path.Combine(context.OutputFolder, name == Path.GetFileName(context.Input.ModelPath) ? Engine.Artifacts.ModelArtifact.ModelFileName : name));
        }

        settings.Save(context.OutputFolder, Engine.Artifacts.ModelArtifact.ModelFileName);
        var genai = Path.Combine(context.OutputFolder, "genai_config.json");
        if (File.Exists(genai))
        {
            WriteGenAi(genai, settings, context.Log);
        }
    }

    /// <summary>
    /// Sets model.decoder.session_options in genai_config.json: thread counts, the optimization level by GenAI's name, and
    /// the config entries as plain string keys (GenAI passes unknown string keys to AddConfigEntry). GenAI has no
    /// execution-mode setting; a parallel winner is recorded in model_config.json only.
    /// </summary>
    internal static void WriteGenAi(string path, InferenceSettings settings, TextWriter log)
    {
        var document = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new PassFailedException($"{path} is not a JSON object; cannot record the tuned session options in it.");
        if (document["model"]?["decoder"] is not JsonObject decoder)
        {
            throw new PassFailedException($"{path} has no model.decoder section; cannot record the tuned session options in it.");
        }

        var session = decoder["session_options"] as JsonObject ?? [];
        decoder["session_options"] = session;
        if (settings.IntraOpThreads is { } intra)
        {
            session["intra_op_num_threads"] = intra;
        }

        if (settings.InterOpThreads is { } inter)
        {
            session["inter_op_num_threads"] = inter;
        }

        if (settings.OptimizationLevel is { } level)
        {
            session["graph_optimization_level"] = GenAiLevel(level);
        }

        foreach (var (key, value) in settings.ConfigEntries)
        {
            session[key] = value;
        }

        if (settings.ParallelExecution == true)
        {
            log.WriteLine("OrtSessionParamsTuning: parallel execution won; GenAI has no execution-mode setting, so genai_config.json keeps sequential execution (model_config.json records parallel).");
        }

        InferenceSettings.WriteJson(path, document);
    }
}
