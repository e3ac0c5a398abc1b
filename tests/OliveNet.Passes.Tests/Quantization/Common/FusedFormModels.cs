using OliveNet.Onnx;
using OliveNet.Onnx.Protos;
using static OliveNet.Passes.Tests.Quantization.Dynamic.MatMulModels;

namespace OliveNet.Passes.Tests.Quantization.Common;

/// <summary>
/// One small float model holding every form ONNX Runtime's fusion leaves a matrix product with a constant weight in, each
/// reading x [Rows, K] (or its transpose) with its own seeded weight, one output per form:
/// FusedMatMul with transB and alpha, FusedMatMul with transA, Gemm with transB/alpha/beta/C, MatMul behind a Transpose
/// of a constant, MatMul behind a Reshape of a constant.
/// </summary>
internal static class FusedFormModels
{
    public const int Rows = 4;
    public const int K = 64;
    public const int N = 32;
    public const float FusedAlpha = 0.75f;
    public const float GemmAlpha = 1.5f;
    public const float GemmBeta = 0.25f;

    /// <summary>Output name → (source op type, node name, alpha: the factor on the product).</summary>
    public static readonly (string Output, string OpType, string Node, float Alpha)[] Forms =
    [
        ("y_fused_transb", "FusedMatMul", "fused_transb", FusedAlpha),
        ("y_fused_transa", "FusedMatMul", "fused_transa", 1f),
        ("y_gemm", "Gemm", "gemm", GemmAlpha),
        ("y_transposed_b", "MatMul", "mm_transposed_b", 1f),
        ("y_reshaped_b", "MatMul", "mm_reshaped_b", 1f),
    ];

    /// <summary>Seeded weights in [−0.5, 0.5).</summary>
    public static float[] Weights(int seed) => ModelRunner.SeededFloats(K * N, seed).Select(v => v / 2).ToArray();

    public static string Write(string folder)
    {
        var g = new GraphProto { Name = "fused_forms" };
        g.Input.Add(Value("x", [Rows, K]));
        g.Input.Add(Value("xt", [1, K, Rows]));

        // FusedMatMul(x, W1ᵀ) · alpha with W1 stored [N, K].
        g.Initializer.Add(TensorData.Create<float>("W1", Weights(1), [N, K]));
        var transB = Node("FusedMatMul", "fused_transb", ["x", "W1"], ["y_fused_transb"]);
        transB.Domain = "com.microsoft";
        transB.Attribute.Add(Int("transB", 1));
        transB.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = FusedAlpha });
        g.Node.Add(transB);

        // FusedMatMul(xtᵀ, W2) with xt [1, K, Rows]: the PP-OCR CTC head's form (transA over a rank-3 A).
        g.Initializer.Add(TensorData.Create<float>("W2", Weights(2), [K, N]));
        var transA = Node("FusedMatMul", "fused_transa", ["xt", "W2"], ["y_fused_transa"]);
        transA.Domain = "com.microsoft";
        transA.Attribute.Add(Int("transA", 1));
        g.Node.Add(transA);

        // Gemm(x, W3ᵀ, C) with alpha and beta.
        g.Initializer.Add(TensorData.Create<float>("W3", Weights(3), [N, K]));
        g.Initializer.Add(TensorData.Create<float>("C", ModelRunner.SeededFloats(N, 4), [N]));
        var gemm = Node("Gemm", "gemm", ["x", "W3", "C"], ["y_gemm"]);
        gemm.Attribute.Add(Int("transB", 1));
        gemm.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = GemmAlpha });
        gemm.Attribute.Add(new AttributeProto { Name = "beta", Type = AttributeProto.Types.AttributeType.Float, F = GemmBeta });
        g.Node.Add(gemm);

        // MatMul(x, Transpose(W4)) with W4 stored [N, K].
        g.Initializer.Add(TensorData.Create<float>("W4", Weights(5), [N, K]));
        g.Node.Add(Node("Transpose", "transpose_w4", ["W4"], ["W4_t"]));
        g.Node.Add(Node("MatMul", "mm_transposed_b", ["x", "W4_t"], ["y_transposed_b"]));

        // MatMul(x, Reshape(W5 flat, [K, N])).
        g.Initializer.Add(TensorData.Create<float>("W5", Weights(6), [K * N]));
        g.Initializer.Add(TensorData.Create<long>("shape_kn", [K, -1], [2]));
        g.Node.Add(Node("Reshape", "reshape_w5", ["W5", "shape_kn"], ["W5_r"]));
        g.Node.Add(Node("MatMul", "mm_reshaped_b", ["x", "W5_r"], ["y_reshaped_b"]));

        g.Output.Add(Value("y_fused_transb", [Rows, N]));
        g.Output.Add(Value("y_fused_transa", [1, Rows, N]));
        g.Output.Add(Value("y_gemm", [Rows, N]));
        g.Output.Add(Value("y_transposed_b", [Rows, N]));
        g.Output.Add(Value("y_reshaped_b", [Rows, N]));
        var path = Save(folder, g);
        var model = OnnxModel.Load(path);
        model.Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        model.Save(path);
        return path;
    }

    /// <summary>x [Rows, K] (float) → Cast to float16 → MatMul with a float16 weight [K, N] → Cast to float → y.</summary>
    public static string WriteFloat16(string folder)
    {
        var g = new GraphProto { Name = "fp16_matmul" };
        g.Input.Add(Value("x", [Rows, K]));
        var w = Weights(7).Select(v => (Half)v).ToArray();
        g.Initializer.Add(TensorData.Create<Half>("W16", w, [K, N]));
        var toHalf = Node("Cast", "to_half", ["x"], ["x16"]);
        toHalf.Attribute.Add(Int("to", (long)OnnxDataType.Float16));
        g.Node.Add(toHalf);
        g.Node.Add(Node("MatMul", "mm_fp16", ["x16", "W16"], ["y16"]));
        var toFloat = Node("Cast", "to_float", ["y16"], ["y"]);
        toFloat.Attribute.Add(Int("to", (long)OnnxDataType.Float));
        g.Node.Add(toFloat);
        g.Output.Add(Value("y", [Rows, N]));
        return Save(folder, g);
    }

    /// <summary>The five forms' inputs: x and its transpose as xt [1, K, Rows].</summary>
    public static Dictionary<string, float[]> Run(string path)
    {
        var x = ModelRunner.SeededFloats(Rows * K, 42);
        var xt = new float[K * Rows];
        for (var r = 0; r < Rows; r++)
        {
            for (var k = 0; k < K; k++)
            {
                xt[(k * Rows) + r] = x[(r * K) + k];
            }
        }

        using var xv = Runtime.OrtValue.CreateTensor<float>(x, [Rows, K]);
        using var xtv = Runtime.OrtValue.CreateTensor<float>(xt, [1, K, Rows]);
        return ModelRunner.Run(path, ("x", xv), ("xt", xtv));
    }

    /// <summary>The float16 model's output for the same x.</summary>
    public static float[] RunFloat16(string path)
    {
        using var xv = Runtime.OrtValue.CreateTensor<float>(ModelRunner.SeededFloats(Rows * K, 42), [Rows, K]);
        return ModelRunner.Run(path, ("x", xv))["y"];
    }

    /// <summary>
    /// Worst-case |Δy| for y = alpha · Σ_k x_k·w_k when each weight moves by at most half its step
    /// <paramref name="weightStep"/> and each activation by at most half of <paramref name="activationStep"/> (0 for
    /// weight-only): alpha · (Σ|x|·s_w/2 + Σ|w|·s_x/2 + K·s_w·s_x/4), with |x| &lt; 1 and |w| &lt; 0.5.
    /// </summary>
    public static double Bound(float alpha, double weightStep, double activationStep) =>
        alpha * ((K * 1.0 * weightStep / 2) + (K * 0.5 * activationStep / 2) + (K * weightStep * activationStep / 4));

    /// <summary>
    /// The RMS output error of weight-only rounding with a step of at most <paramref name="weightStep"/>: each weight's
    /// error uniform in ±s/2 (variance s²/12), independent, so E[Δy²] = Σ_k x_k²·s²/12, averaged over the rows of the test x.
    /// </summary>
    public static double ExpectedRms(double weightStep)
    {
        var x = ModelRunner.SeededFloats(Rows * K, 42);
        var sumSquares = x.Sum(v => (double)v * v) / Rows;
        return weightStep * Math.Sqrt(sumSquares / 12);
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}
