using System.CommandLine;
using System.CommandLine.Invocation;

namespace OliveNet.Cli.Output;

/// <summary><c>olivenet --version</c>: OliveNet's version and the ONNX Runtime it runs on, as bug reports need both.</summary>
internal static class VersionText
{
    public static void Replace(RootCommand root, TextWriter output)
    {
        var option = root.Options.OfType<VersionOption>().Single();
        option.Description = "Show the versions of OliveNet, ONNX Runtime (and which build: cpu or gpu), ONNX Runtime GenAI and .NET.";
        option.Action = new Print(output);
    }

    private static string Runtime()
    {
        try
        {
            return $"{OliveNet.Runtime.OrtRuntime.Version} ({OliveNet.Runtime.OrtRuntime.Flavor}: NuGet {(OliveNet.Runtime.OrtRuntime.Flavor == "gpu" ? "Microsoft.ML.OnnxRuntime.Gpu.Linux" : "Microsoft.ML.OnnxRuntime")})";
        }
        catch (Exception e) when (e is DllNotFoundException or OliveNet.Runtime.OrtException or InvalidOperationException or TypeInitializationException)
        {
            return $"not loadable ({e.Message})";
        }
    }

    private sealed class Print(TextWriter output) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            output.WriteLine($"olivenet {OliveNet.Engine.EngineInfo.Version}");
            output.WriteLine($"ONNX Runtime {Runtime()}");
            output.WriteLine($"ONNX Runtime GenAI {OliveNet.Runtime.Generation.GenAILanguageModel.Version}");
            output.WriteLine($".NET {Environment.Version}");
            return ExitCodes.Ok;
        }
    }
}
