namespace OliveNet.Onnx;

/// <summary>Where <see cref="OnnxModel.Save"/> puts tensor data.</summary>
public enum ExternalDataMode
{
    /// <summary>External tensors stay external (copied into one new data file); inline tensors stay inline.</summary>
    Preserve,
    /// <summary>Every tensor is written inline; fails when the model would pass the 2 GB protobuf limit.</summary>
    AllInline,
    /// <summary>Every tensor of at least <see cref="OnnxSaveOptions.SizeThreshold"/> bytes goes to the data file.</summary>
    AllExternal,
}
