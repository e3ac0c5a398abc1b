using OliveNet.Runtime.Generation;

namespace OliveNet.Runtime.Tests.Generation;

/// <summary>What GenAISpeechModel.Load refuses before GenAI is asked (the Whisper path runs in the CLI speech tests).</summary>
public sealed class GenAISpeechModelTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("olivenet-transcriber-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_folder_without_genai_config_or_with_a_decoder_only_model_says_it_needs_a_whisper_folder()
    {
        var missing = Assert.Throws<GenerationException>(() => GenAISpeechModel.Load(_dir.FullName));
        Assert.Contains("has no genai_config.json", missing.Message, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(_dir.FullName, "genai_config.json"), """{"model": {"type": "gemma4", "vocab_size": 262144}}""");
        var chat = Assert.Throws<GenerationException>(() => GenAISpeechModel.Load(_dir.FullName));
        Assert.Contains("model type 'gemma4' is not a Whisper model", chat.Message, StringComparison.Ordinal);
    }
}
