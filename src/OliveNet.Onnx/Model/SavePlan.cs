namespace OliveNet.Onnx;

/// <summary>Which tensors a save writes inline and which go to the data file, decided before any file is touched.</summary>
internal sealed class SavePlan
{
    /// <summary>Slot indexes whose data goes to the data file, in walk order (which fixes the offsets).</summary>
    public List<int> ToExternal { get; } = [];

    /// <summary>Slot indexes that are external now and come inline.</summary>
    public List<int> ToInline { get; } = [];

    /// <summary>Data bytes per slot index for external targets.</summary>
    public Dictionary<int, long> Sizes { get; } = [];

    /// <summary>Current external location of slots that are external now and stay external.</summary>
    public Dictionary<int, ExternalDataInfo> Sources { get; } = [];

    /// <summary>Full paths of every data file the model reads from now.</summary>
    public HashSet<string> SourceFiles { get; } = new(StringComparer.Ordinal);

    public static SavePlan Create(OnnxModel model, List<TensorSlot> original, List<TensorSlot> slots, OnnxSaveOptions options)
    {
        var plan = new SavePlan();
        var external = new bool[slots.Count];
        var sizes = new long[slots.Count];
        var infos = new ExternalDataInfo?[slots.Count];
        long inlineTotal = 0;
        for (var i = 0; i < slots.Count; i++)
        {
            var t = original[i].Tensor;
            var isString = (OnnxDataType)t.DataType == OnnxDataType.String;
            if (TensorData.IsExternal(t))
            {
                infos[i] = ExternalDataInfo.Resolve(t, model.BaseDirectory);
                plan.SourceFiles.Add(infos[i]!.FullPath);
                sizes[i] = infos[i]!.Length;
                external[i] = options.ExternalData switch
                {
                    ExternalDataMode.AllInline => false,
                    ExternalDataMode.AllExternal => sizes[i] >= options.SizeThreshold,
                    _ => true,
                };
            }
            else
            {
                sizes[i] = isString ? 0 : TensorData.ByteSize(t);
                external[i] = options.ExternalData == ExternalDataMode.AllExternal && original[i].Movable && !isString
                    && sizes[i] >= options.SizeThreshold && sizes[i] > 0;
            }

            if (!external[i])
            {
                inlineTotal += infos[i]?.Length ?? t.CalculateSize();
            }
        }

        if (inlineTotal > options.InlineLimit)
        {
            if (options.ExternalData == ExternalDataMode.AllInline)
            {
                throw ModelWriter.TooBig(model);
            }

            // Move the largest inline tensors out until the rest fits; stable on ties so saves stay deterministic.
            var candidates = Enumerable.Range(0, slots.Count)
                .Where(i => !external[i] && sizes[i] >= 1024 && (OnnxDataType)original[i].Tensor.DataType != OnnxDataType.String)
                .OrderByDescending(i => sizes[i]).ThenBy(i => i);
            foreach (var i in candidates)
            {
                if (inlineTotal <= options.InlineLimit)
                {
                    break;
                }

                inlineTotal -= infos[i]?.Length ?? original[i].Tensor.CalculateSize();
                external[i] = true;
            }
        }

        for (var i = 0; i < slots.Count; i++)
        {
            if (external[i])
            {
                plan.ToExternal.Add(i);
                plan.Sizes[i] = sizes[i];
                if (infos[i] is { } info)
                {
                    plan.Sources[i] = info;
                }
            }
            else if (infos[i] is not null)
            {
                plan.ToInline.Add(i);
            }
        }

        return plan;
    }
}
