using OliveNet.Passes.Export;
using OliveNet.Passes.Export.SafeTensors;
using OliveNet.Runtime;

namespace OliveNet.Passes.Tests.Export;

/// <summary>exclude_embeds / exclude_lm_head: the graph takes inputs_embeds and returns hidden_states.</summary>
public sealed class ModelBuilderExcludeTests
{
    [Fact]
    public void Without_embedding_and_head_the_graph_maps_embeddings_to_hidden_states_that_give_the_reference_logits()
    {
        using var temp = new TempFolder();
        var checkpoint = HfFixtures.Checkpoint("llama");
        ModelBuilderPass.Export(checkpoint, temp.Path, new ExportSettings("fp32", 32, true, 4, ExcludeEmbeds: true, ExcludeLmHead: true), TextWriter.Null, default);
        var (ids, expected, vocab) = HfFixtures.Reference("llama");
        using var weights = SafeTensorsCheckpoint.Open(checkpoint);
        var table = weights.ReadFloat32("model.embed_tokens.weight");
        var hidden = table.Length / vocab;
        var embeds = ids.SelectMany(id => table.AsSpan((int)id * hidden, hidden).ToArray()).ToArray();

        using var session = new InferenceSession(Path.Combine(temp.Path, "model.onnx"));
        Assert.Equal("inputs_embeds", session.Inputs[0].Name);
        Assert.Equal("hidden_states", session.Outputs[0].Name);
        var inputs = new List<KeyValuePair<string, OrtValue>>
        {
            KeyValuePair.Create("inputs_embeds", OrtValue.CreateTensor<float>(embeds, [1, ids.Length, hidden])),
            KeyValuePair.Create("attention_mask", OrtValue.CreateTensor<long>(Enumerable.Repeat(1L, ids.Length).ToArray(), [1, ids.Length])),
        };
        foreach (var i in session.Inputs.Where(i => i.Name.StartsWith("past_", StringComparison.Ordinal)))
        {
            inputs.Add(KeyValuePair.Create(i.Name, OrtValue.CreateTensor<float>(Array.Empty<float>(), [1, i.Shape[1], 0, i.Shape[3]])));
        }

        using var outputs = session.Run(inputs);
        inputs.ForEach(i => i.Value.Dispose());
        var states = outputs["hidden_states"].GetTensorData<float>().ToArray();

        // The tied head applied here in float64: logits = hidden_states · embed_tokensᵀ.
        var logits = new float[ids.Length * vocab];
        for (var t = 0; t < ids.Length; t++)
        {
            for (var v = 0; v < vocab; v++)
            {
                double sum = 0;
                for (var h = 0; h < hidden; h++)
                {
                    sum += (double)states[(t * hidden) + h] * table[(v * hidden) + h];
                }

                logits[(t * vocab) + v] = (float)sum;
            }
        }

        // Same float32 budget as the full export (see ModelBuilderLogitsTests).
        var scale = expected.Max(Math.Abs);
        Assert.True(ModelRunner.MaxAbsDiff(expected, logits) <= 1e-4 * scale);
    }
}
