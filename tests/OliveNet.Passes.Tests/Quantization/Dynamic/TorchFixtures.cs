namespace OliveNet.Passes.Tests.Quantization.Dynamic;

/// <summary>
/// Models exported by the scripts in <c>tests/fixtures/torch/</c> with Debian's PyTorch, cached by the script's hash in
/// <c>~/.cache/olivenet/fixtures/</c>. Never skips: without python3-torch the test fails saying how to install it.
/// </summary>
internal static class TorchFixtures
{
    private static readonly Lazy<string> LazyEncoder = new(() => Export("export_encoder.py", "encoder"));
    private static readonly Lazy<string> LazyDecoder = new(() => Export("export_decoder.py", "decoder"));
    private static readonly Lazy<string> LazyMaskedEncoder = new(() => Export("export_encoder_masked.py", "encoder-masked", "export_encoder.py"));

    /// <summary>The BERT-like encoder (4 layers, hidden 256): <c>input_ids</c> int64 [batch, sequence] → <c>last_hidden_state</c>.</summary>
    public static string Encoder => LazyEncoder.Value;

    /// <summary>
    /// The same encoder (same weights) with a second input, <c>attention_mask</c> int64 [batch, sequence], added to the
    /// scores as BERT does: <c>(1 − mask) · −10000</c>.
    /// </summary>
    public static string MaskedEncoder => LazyMaskedEncoder.Value;

    /// <summary>The GPT-2-style decoder (4 layers, hidden 256, vocab 2048): <c>input_ids</c> int64 [batch, sequence] → <c>logits</c>.</summary>
    public static string Decoder => LazyDecoder.Value;

    private static string Export(string script, string name, params string[] imports) => ScriptFixtures.Produce(
        name,
        ".onnx",
        [.. new[] { script }.Concat(imports).Select(s => Path.Combine(TestModels.RepoRoot(), "tests", "fixtures", "torch", s))],
        () => Assert.True(
            File.Exists(ScriptFixtures.Python) && ScriptFixtures.Run(ScriptFixtures.Python, ["-c", "import torch"]).ExitCode == 0,
            $"{script} needs Debian's PyTorch for {ScriptFixtures.Python}; install it with: apt-get install -y python3-torch"),
        File.Exists);

}
