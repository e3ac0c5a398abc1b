using OliveNet.Engine.Assets;
using OliveNet.Engine.Benchmarking;
using OliveNet.Engine.Recipes;
using OliveNet.Engine.Workflows;
using OliveNet.Onnx;
using OliveNet.Runtime;

namespace OliveNet.Cli.Commands;

/// <summary>
/// Runs a command body and turns the errors users can cause into one line on stderr and an exit code; with
/// <paramref name="json"/> (the command's stdout under <c>--json</c>) also into one JSON object there.
/// </summary>
internal static class CommandErrors
{
    public static int Guard(TextWriter error, Func<int> body, TextWriter? json = null)
    {
        int Report(TextWriter error, string message, int code)
        {
            error.WriteLine($"error: {message}");
            if (json is not null)
            {
                Output.JsonOutput.Error(json, message, code);
            }

            return code;
        }

        try
        {
            return body();
        }
        catch (RecipeException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (WorkflowFailedException e)
        {
            return Report(error, e.Message, ExitCodes.Failure);
        }
        catch (OliveNet.Engine.Caching.Shared.SharedCacheException e)
        {
            return Report(error, e.Message, ExitCodes.Failure);
        }
        catch (ShardException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (UsageException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (AssetException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (OnnxFormatException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (OliveNet.Engine.Data.DataException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (OliveNet.Passes.Gguf.GgufFormatException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (InvalidDataException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (BenchmarkException e)
        {
            return Report(error, e.Message, ExitCodes.InvalidInput);
        }
        catch (OrtException e)
        {
            return Report(error, $"ONNX Runtime: {e.Message}", ExitCodes.Failure);
        }
        catch (OperationCanceledException)
        {
            return Report(error, "interrupted", ExitCodes.Interrupted);
        }
    }
}

/// <summary>A command-line argument is malformed; the message says which and how to write it.</summary>
internal sealed class UsageException(string message) : Exception(message);
