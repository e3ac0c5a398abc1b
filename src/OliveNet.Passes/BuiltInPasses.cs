using Microsoft.Extensions.DependencyInjection;
using OliveNet.Engine.Passes;
using OliveNet.Passes.Fusion;
using OliveNet.Passes.Graph;
using OliveNet.Passes.Shapes;

namespace OliveNet.Passes;

/// <summary>The one explicit list of the passes OliveNet ships. No reflection scan: a pass exists when it is listed here.</summary>
public static class BuiltInPasses
{
    /// <summary>Registers every built-in pass as an <see cref="IPass"/> singleton.</summary>
    public static IServiceCollection AddBuiltInPasses(this IServiceCollection services)
    {
        services.AddSingleton<IPass, OrtTransformersOptimizationPass>();
        services.AddSingleton<IPass, OnnxPeepholeOptimizerPass>();
        services.AddSingleton<IPass, DynamicToFixedShapePass>();
        services.AddSingleton<IPass, Quantization.Dynamic.OnnxDynamicQuantizationPass>();
        services.AddSingleton<IPass, Quantization.BlockWise.OnnxBlockWiseRtnQuantizationPass>();
        services.AddSingleton<IPass, Quantization.BlockWise.OnnxHqqQuantizationPass>();
        services.AddSingleton<IPass, Quantization.Float16.OnnxFloatToFloat16Pass>();
        services.AddSingleton<IPass, Quantization.Static.OnnxStaticQuantizationPass>();
        services.AddSingleton<IPass, Quantization.Umbrella.OnnxQuantizationPass>();
        services.AddSingleton<IPass, Quantization.WeightOnly.SelectiveMixedPrecisionPass>();
        services.AddSingleton<IPass, Quantization.WeightOnly.RtnPass>();
        services.AddSingleton<IPass, Quantization.WeightOnly.GptqPass>();
        services.AddSingleton<IPass, Export.ModelBuilderPass>();
        services.AddSingleton<IPass, Graph.Surgeries.GraphSurgeriesPass>();
        services.AddSingleton<IPass, Graph.AddOliveMetadataPass>();
        services.AddSingleton<IPass, Quantization.BlockWise.OnnxKQuantQuantizationPass>();
        services.AddSingleton<IPass, Quantization.QdqConversion.MatMulNBitsToQdqPass>();
        services.AddSingleton<IPass, Tuning.OrtSessionParamsTuningPass>();
        services.AddSingleton<IPass, Gguf.GgufExportPass>();
        return services;
    }
}
