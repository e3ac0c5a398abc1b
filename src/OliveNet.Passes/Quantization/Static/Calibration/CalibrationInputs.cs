using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using OliveNet.Runtime;

namespace OliveNet.Passes.Quantization.Static.Calibration;

/// <summary>
/// Calibration samples, produced one at a time so only one sample is in memory: read from a folder in the ONNX test-data
/// layout, or generated from the model's input shapes with a seeded generator.
/// </summary>
internal static class CalibrationInputs
{
    /// <summary>
    /// <paramref name="samples"/> random samples: float inputs uniform in [0, 1) from <c>new Random(seed)</c> (inputs filled in
    /// model order, sample after sample), every other type zero. Dynamic dimensions take <paramref name="dimValues"/>[dim_param],
    /// else 1.
    /// </summary>
    public static IEnumerable<CalibrationSample> Random(IReadOnlyList<NodeMetadata> inputs, int samples, int seed, IReadOnlyDictionary<string, long> dimValues)
    {
        var random = new Random(seed);
        for (var s = 0; s < samples; s++)
        {
            var sample = new CalibrationSample();
            foreach (var input in inputs)
            {
                var shape = input.Shape.Select((d, i) => d >= 0 ? d : dimValues.GetValueOrDefault(input.SymbolicDims.ElementAtOrDefault(i) ?? string.Empty, 1L)).ToArray();
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (input.ElementType == TensorElementType.Float)
                {
                    var data = new float[count];
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = (float)random.NextDouble();
                    }

                    sample.Add(input.Name, OrtValue.CreateTensor<float>(data, shape));
                }
                else
                {
                    var bytes = new byte[OnnxDataTypes.ByteCount((OnnxDataType)input.ElementType, count)];
                    sample.Add(input.Name, OrtValue.CreateTensor(input.ElementType, bytes, shape));
                }
            }

            yield return sample;
        }
    }

    /// <summary>
    /// Every sub-folder of <paramref name="dataDir"/> in ordinal name order is one sample; its <c>input_&lt;k&gt;.pb</c> is a
    /// serialized TensorProto for the k-th graph input.
    /// </summary>
    /// <exception cref="InvalidDataException">A sample lacks an input file or a file is not a TensorProto.</exception>
    public static IEnumerable<CalibrationSample> FromFolder(string dataDir, IReadOnlyList<NodeMetadata> inputs)
    {
        foreach (var folder in SampleFolders(dataDir))
        {
            var sample = new CalibrationSample();
            for (var k = 0; k < inputs.Count; k++)
            {
                var file = Path.Combine(folder, $"input_{k}.pb");
                if (!File.Exists(file))
                {
                    sample.Dispose();
                    throw new InvalidDataException($"calibration sample '{folder}' has no input_{k}.pb for graph input '{inputs[k].Name}'.");
                }

                TensorProto tensor;
                try
                {
                    tensor = TensorProto.Parser.ParseFrom(File.ReadAllBytes(file));
                }
                catch (Google.Protobuf.InvalidProtocolBufferException ex)
                {
                    sample.Dispose();
                    throw new InvalidDataException($"'{file}' is not a serialized ONNX TensorProto: {ex.Message}", ex);
                }

                var bytes = TensorData.ReadRawBytes(tensor, folder);
                sample.Add(inputs[k].Name, OrtValue.CreateTensor((TensorElementType)tensor.DataType, bytes, tensor.Dims.ToArray()));
            }

            yield return sample;
        }
    }

    /// <summary>The sample folders of <paramref name="dataDir"/>, sorted ordinally.</summary>
    public static string[] SampleFolders(string dataDir)
    {
        var folders = Directory.GetDirectories(dataDir);
        Array.Sort(folders, StringComparer.Ordinal);
        return folders;
    }
}

/// <summary>One calibration sample: named input values. Dispose releases them.</summary>
internal sealed class CalibrationSample : IDisposable
{
    private readonly List<KeyValuePair<string, OrtValue>> _values = [];

    /// <summary>The inputs in model order.</summary>
    public IReadOnlyList<KeyValuePair<string, OrtValue>> Values => _values;

    /// <summary>Adds an input; the sample owns <paramref name="value"/>.</summary>
    public void Add(string name, OrtValue value) => _values.Add(KeyValuePair.Create(name, value));

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (_, value) in _values)
        {
            value.Dispose();
        }
    }
}
