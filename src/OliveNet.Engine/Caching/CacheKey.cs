using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OliveNet.Engine.Caching;

/// <summary>
/// The content address of a pass run: SHA-256 over (parent artifact id, pass id and version, canonical options,
/// target when the pass is target-specific, OliveNet version, ONNX Runtime version). Full hash, no truncation.
/// </summary>
public static class CacheKey
{
    /// <summary>Computes the key as lower-case hex.</summary>
    public static string Compute(string parentId, string passId, int passVersion, string canonicalOptions, string? target, string oliveNetVersion, string ortVersion)
    {
        var parts = new JsonObject
        {
            ["onnxruntime"] = ortVersion,
            ["olivenet"] = oliveNetVersion,
            ["options"] = JsonNode.Parse(canonicalOptions),
            ["parent"] = parentId,
            ["pass"] = passId,
            ["pass_version"] = passVersion,
            ["target"] = target,
        };
        var json = parts.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }
}
