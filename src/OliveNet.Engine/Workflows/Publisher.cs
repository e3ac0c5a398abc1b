using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OliveNet.Engine.Artifacts;
using OliveNet.Engine.Caching;
using OliveNet.Engine.Recipes;
using OliveNet.Runtime;

namespace OliveNet.Engine.Workflows;

/// <summary>
/// Writes the published folder: the model files, <c>model_config.json</c>, <c>footprint.json</c>, <c>manifest.json</c>
/// (SHA-256 of every file, recipe hash, versions) and <c>run_history.txt</c>. The folder is assembled beside the
/// destination and renamed into place. Everything but <c>run_history.txt</c> (timings) is byte-identical for the same
/// recipe and inputs on the same machine.
/// </summary>
public static class Publisher
{
    /// <summary>The manifest's file name.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>The run log's file name; not covered by the manifest because it holds timings.</summary>
    public const string HistoryFile = "run_history.txt";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Publishes <paramref name="final"/> into the recipe's output folder.</summary>
    /// <param name="recipe">The recipe.</param>
    /// <param name="input">The input model.</param>
    /// <param name="final">The model to publish.</param>
    /// <param name="summary">What the run did (its pass runs make the footprint and manifest).</param>
    /// <param name="writeReports">Writes the report files into the folder being assembled; they are not in the manifest.</param>
    public static void Publish(Recipe recipe, ModelArtifact input, ModelArtifact final, RunSummary summary, Action<string>? writeReports = null)
    {
        var destination = Path.GetFullPath(recipe.OutputDir);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(destination)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var file in Directory.EnumerateFiles(final.Folder, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(temp, Path.GetRelativePath(final.Folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            Write(temp, "model_config.json", new JsonObject
            {
                ["type"] = final.IsGguf ? "GGUFModel" : "ONNXModel",
                ["config"] = ModelConfig(final),
            });
            Write(temp, "footprint.json", Footprint(recipe, input, summary));
            Write(temp, ManifestFile, Manifest(recipe, input, final, summary, temp));
            File.WriteAllText(Path.Combine(temp, HistoryFile), History(summary));
            writeReports?.Invoke(temp);
            Swap(temp, destination);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>
    /// The <c>config</c> of the published model_config.json: the model file, and the inference_settings an
    /// OrtSessionParamsTuning pass recorded beside the model, so the published folder runs at the tuned settings.
    /// </summary>
    private static JsonObject ModelConfig(ModelArtifact final)
    {
        var config = new JsonObject { ["model_path"] = Path.GetFileName(final.ModelPath) };
        var recorded = Path.Combine(final.Folder, Runtime.InferenceSettings.FileName);
        if (File.Exists(recorded) && JsonNode.Parse(File.ReadAllText(recorded))?["config"]?["inference_settings"] is JsonObject settings)
        {
            config["inference_settings"] = settings.DeepClone();
        }

        return config;
    }

    /// <summary>
    /// Replaces the output folder with the reports alone when no candidate met the goals: no model, no manifest, so
    /// nothing from an earlier run can be taken for this recipe's result.
    /// </summary>
    public static void PublishReportsOnly(Recipe recipe, Action<string> writeReports)
    {
        var destination = Path.GetFullPath(recipe.OutputDir);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(destination)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            writeReports(temp);
            Swap(temp, destination);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static JsonObject Footprint(Recipe recipe, ModelArtifact input, RunSummary summary)
    {
        var nodes = new JsonArray { new JsonObject { ["model_id"] = input.Id, ["parent_model_id"] = null, ["from_pass"] = null, ["model_path"] = recipe.InputModel.Reference } };
        var parentId = input.Id;
        foreach (var run in summary.Passes)
        {
            nodes.Add(new JsonObject
            {
                ["model_id"] = run.ArtifactId,
                ["parent_model_id"] = parentId,
                ["from_pass"] = run.Type,
                ["pass_name"] = run.Name,
                ["pass_run_config"] = JsonNode.Parse(run.Options),
                ["cache_key"] = run.CacheKey,
            });
            if (run.Fidelity is { } fidelity)
            {
                ((JsonObject)nodes[^1]!)["fidelity"] = JsonSerializer.SerializeToNode(fidelity, Reports.ReportWriter.Json);
            }

            parentId = run.ArtifactId;
        }

        return new JsonObject { ["workflow_id"] = recipe.WorkflowId, ["nodes"] = nodes, ["output_model_id"] = summary.OutputArtifactId };
    }

    private static JsonObject Manifest(Recipe recipe, ModelArtifact input, ModelArtifact final, RunSummary summary, string folder)
    {
        var files = new JsonArray();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
                     .Where(f => f is not ManifestFile and not HistoryFile && !Reports.ReportWriter.Files.Contains(f))
                     .Order(StringComparer.Ordinal))
        {
            var full = Path.Combine(folder, file);
            files.Add(new JsonObject { ["path"] = file, ["bytes"] = new FileInfo(full).Length, ["sha256"] = ArtifactHasher.HashFile(full) });
        }

        return new JsonObject
        {
            ["format"] = "olivenet-manifest/1",
            ["workflow_id"] = recipe.WorkflowId,
            ["recipe"] = new JsonObject
            {
                ["file"] = Path.GetFileName(recipe.SourcePath),
                ["sha256"] = recipe.Sha256,
                ["overrides"] = new JsonArray(recipe.Overrides.Select(o => (JsonNode)JsonValue.Create(o)).ToArray()),
            },
            ["input_model"] = new JsonObject { ["reference"] = recipe.InputModel.Reference, ["artifact_id"] = input.Id },
            ["output_model"] = new JsonObject { ["artifact_id"] = final.Id },
            ["target"] = new JsonObject
            {
                ["device"] = summary.Target.Device,
                ["execution_provider"] = summary.Target.ExecutionProvider,
                ["requested_execution_provider"] = recipe.Target.ExecutionProvider,
            },
            ["warnings"] = new JsonArray(summary.Warnings.Select(w => (JsonNode)JsonValue.Create(w)).ToArray()),
            ["passes"] = new JsonArray(summary.Passes.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["type"] = p.Type,
                ["version"] = p.Version,
                ["options"] = JsonNode.Parse(p.Options),
                ["artifact_id"] = p.ArtifactId,
            }).ToArray()),
            ["tools"] = new JsonObject
            {
                ["olivenet"] = EngineInfo.Version,
                ["onnxruntime"] = OrtRuntime.Version,
                ["dotnet"] = Environment.Version.ToString(),
            },
            ["host"] = new JsonObject { ["os"] = RuntimeInformation.OSDescription, ["arch"] = RuntimeInformation.OSArchitecture.ToString() },
            ["files"] = files,
        };
    }

    private static string History(RunSummary summary)
    {
        var lines = new List<string> { $"workflow {summary.WorkflowId}: {summary.Passes.Count} passes in {summary.DurationMs / 1000:0.00} s" };
        lines.AddRange(summary.Passes.Select(p =>
            $"{p.Name} ({p.Type}) {(p.CacheHit ? "cached" : $"ran {p.DurationMs / 1000:0.00} s")} key {p.CacheKey} → {p.ArtifactId}"));
        lines.AddRange(summary.Warnings.Select(w => $"warning: {w}"));
        lines.AddRange(summary.Notes.Select(n => $"note: {n}"));
        return string.Join('\n', lines) + "\n";
    }

    private static void Write(string folder, string name, JsonNode node) =>
        ArtifactCache.WriteDurably(Path.Combine(folder, name), node.ToJsonString(Json) + "\n");

    /// <summary>Puts the new folder in place of the old one; the old one is removed only after the new one is in.</summary>
    private static void Swap(string temp, string destination)
    {
        string? old = null;
        if (Directory.Exists(destination))
        {
            old = $"{destination}.old-{Guid.NewGuid():N}";
            TransientIo.Run(() => Directory.Move(destination, old));
        }

        TransientIo.Run(() => Directory.Move(temp, destination));
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
        }
    }
}
