using System.Text.Json.Nodes;

namespace OliveNet.Engine.Data;

/// <summary>One component of a data config: a registered type and its parameters (Olive's <c>{type, params}</c>).</summary>
public sealed record DataComponent(string Type, JsonObject Params);

/// <summary>
/// An Olive data config: load → pre-process → dataloader → post-process, each a <see cref="DataComponent"/>. Relative paths
/// in parameters are already resolved against the recipe's folder.
/// </summary>
/// <param name="Name">Unique name that metrics and pass options refer to.</param>
/// <param name="Load">Where samples come from.</param>
/// <param name="PreProcess">Transforms of each sample's input tensor (image resizing, normalization); null = none.</param>
/// <param name="DataLoader">Sampling and batching; null = batch 1, all samples, in order.</param>
/// <param name="PostProcess">Turns model outputs into predictions comparable to labels; null = raw outputs.</param>
/// <param name="CanonicalJson">Sorted JSON of the config; part of evaluation cache keys together with the data's hash.</param>
public sealed record DataConfigSpec(string Name, DataComponent Load, DataComponent? PreProcess, DataComponent? DataLoader, DataComponent? PostProcess, string CanonicalJson);

/// <summary>A problem with data: a missing file, a wrong shape or type, an empty set. The message says what and where.</summary>
public sealed class DataException(string message) : Exception(message);
