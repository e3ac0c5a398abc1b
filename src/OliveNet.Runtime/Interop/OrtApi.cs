namespace OliveNet.Runtime.Interop;

/// <summary>
/// The <c>OrtApi</c> function table of ONNX Runtime (API version <see cref="OrtLibrary.ApiVersion"/>),
/// read by index in header order (<c>include/onnxruntime/core/session/onnxruntime_c_api.h</c>).
/// Every entry that returns <c>OrtStatus*</c> is typed as returning <see cref="nint"/> and must go
/// through <see cref="OrtStatus.Check(nint)"/>. Opaque ORT pointers are <see cref="nint"/>.
/// </summary>
/// <remarks>The table is append-only, so indices are stable across versions; each index used here
/// is exercised by a feature test in <c>tests/OliveNet.Runtime.Tests</c> that would fail if it
/// pointed at another function.</remarks>
internal static unsafe class OrtApi
{
    private static nint* Table => OrtLibrary.Api;

    // 0: OrtStatus* CreateStatus(OrtErrorCode code, const char* msg)
    public static delegate* unmanaged[Cdecl]<int, byte*, nint> CreateStatus => (delegate* unmanaged[Cdecl]<int, byte*, nint>)Table[0];

    // 1: OrtErrorCode GetErrorCode(const OrtStatus* status)
    public static delegate* unmanaged[Cdecl]<nint, int> GetErrorCode => (delegate* unmanaged[Cdecl]<nint, int>)Table[1];

    // 2: const char* GetErrorMessage(const OrtStatus* status)
    public static delegate* unmanaged[Cdecl]<nint, byte*> GetErrorMessage => (delegate* unmanaged[Cdecl]<nint, byte*>)Table[2];

    // 3: OrtStatus* CreateEnv(OrtLoggingLevel log_severity_level, const char* logid, OrtEnv** out)
    public static delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv => (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)Table[3];

    // 7: OrtStatus* CreateSession(const OrtEnv* env, const ORTCHAR_T* model_path, const OrtSessionOptions* options, OrtSession** out)
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession => (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)Table[7];

    // 8: OrtStatus* CreateSessionFromArray(const OrtEnv* env, const void* model_data, size_t model_data_length, const OrtSessionOptions* options, OrtSession** out)
    public static delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray => (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)Table[8];

    // 9: OrtStatus* Run(OrtSession* session, const OrtRunOptions* run_options, const char* const* input_names, const OrtValue* const* inputs,
    //                   size_t input_len, const char* const* output_names, size_t output_names_len, OrtValue** outputs)
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run => (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)Table[9];

    // 10: OrtStatus* CreateSessionOptions(OrtSessionOptions** options)
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions => (delegate* unmanaged[Cdecl]<nint*, nint>)Table[10];

    // 11: OrtStatus* SetOptimizedModelFilePath(OrtSessionOptions* options, const ORTCHAR_T* optimized_model_filepath)
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint> SetOptimizedModelFilePath => (delegate* unmanaged[Cdecl]<nint, byte*, nint>)Table[11];

    // 13: OrtStatus* SetSessionExecutionMode(OrtSessionOptions* options, ExecutionMode execution_mode)
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionExecutionMode => (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[13];

    // 14: OrtStatus* EnableProfiling(OrtSessionOptions* options, const ORTCHAR_T* profile_file_prefix)
    public static delegate* unmanaged[Cdecl]<nint, byte*, nint> EnableProfiling => (delegate* unmanaged[Cdecl]<nint, byte*, nint>)Table[14];

    // 22: OrtStatus* SetSessionLogSeverityLevel(OrtSessionOptions* options, int session_log_severity_level)
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionLogSeverityLevel => (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[22];

    // 23: OrtStatus* SetSessionGraphOptimizationLevel(OrtSessionOptions* options, GraphOptimizationLevel graph_optimization_level)
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetSessionGraphOptimizationLevel => (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[23];

    // 24: OrtStatus* SetIntraOpNumThreads(OrtSessionOptions* options, int intra_op_num_threads)
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads => (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[24];

    // 25: OrtStatus* SetInterOpNumThreads(OrtSessionOptions* options, int inter_op_num_threads)
    public static delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads => (delegate* unmanaged[Cdecl]<nint, int, nint>)Table[25];

    // 30: OrtStatus* SessionGetInputCount(const OrtSession* session, size_t* out)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[30];

    // 31: OrtStatus* SessionGetOutputCount(const OrtSession* session, size_t* out)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[31];

    // 33: OrtStatus* SessionGetInputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo => (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Table[33];

    // 34: OrtStatus* SessionGetOutputTypeInfo(const OrtSession* session, size_t index, OrtTypeInfo** type_info)
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo => (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Table[34];

    // 36: OrtStatus* SessionGetInputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetInputName => (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Table[36];

    // 37: OrtStatus* SessionGetOutputName(const OrtSession* session, size_t index, OrtAllocator* allocator, char** value)
    public static delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint> SessionGetOutputName => (delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Table[37];

    // 39: OrtStatus* CreateRunOptions(OrtRunOptions** out)
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateRunOptions => (delegate* unmanaged[Cdecl]<nint*, nint>)Table[39];

    // 46: OrtStatus* RunOptionsSetTerminate(OrtRunOptions* options)
    public static delegate* unmanaged[Cdecl]<nint, nint> RunOptionsSetTerminate => (delegate* unmanaged[Cdecl]<nint, nint>)Table[46];

    // 47: OrtStatus* RunOptionsUnsetTerminate(OrtRunOptions* options)
    public static delegate* unmanaged[Cdecl]<nint, nint> RunOptionsUnsetTerminate => (delegate* unmanaged[Cdecl]<nint, nint>)Table[47];

    // 48: OrtStatus* CreateTensorAsOrtValue(OrtAllocator* allocator, const int64_t* shape, size_t shape_len, ONNXTensorElementDataType type, OrtValue** out)
    public static delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue => (delegate* unmanaged[Cdecl]<nint, long*, nuint, int, nint*, nint>)Table[48];

    // 49: OrtStatus* CreateTensorWithDataAsOrtValue(const OrtMemoryInfo* info, void* p_data, size_t p_data_len, const int64_t* shape, size_t shape_len,
    //                                               ONNXTensorElementDataType type, OrtValue** out)
    public static delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue => (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)Table[49];

    // 51: OrtStatus* GetTensorMutableData(OrtValue* value, void** out)
    public static delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData => (delegate* unmanaged[Cdecl]<nint, void**, nint>)Table[51];

    // 52: OrtStatus* FillStringTensor(OrtValue* value, const char* const* s, size_t s_len)
    public static delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> FillStringTensor => (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)Table[52];

    // 53: OrtStatus* GetStringTensorDataLength(const OrtValue* value, size_t* len)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetStringTensorDataLength => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[53];

    // 54: OrtStatus* GetStringTensorContent(const OrtValue* value, void* s, size_t s_len, size_t* offsets, size_t offsets_len)
    public static delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint> GetStringTensorContent => (delegate* unmanaged[Cdecl]<nint, void*, nuint, nuint*, nuint, nint>)Table[54];

    // 55: OrtStatus* CastTypeInfoToTensorInfo(const OrtTypeInfo* type_info, const OrtTensorTypeAndShapeInfo** out)  (borrowed; do not release)
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo => (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[55];

    // 56: OrtStatus* GetOnnxTypeFromTypeInfo(const OrtTypeInfo* type_info, enum ONNXType* out)
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetOnnxTypeFromTypeInfo => (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[56];

    // 60: OrtStatus* GetTensorElementType(const OrtTensorTypeAndShapeInfo* info, ONNXTensorElementDataType* out)
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType => (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[60];

    // 61: OrtStatus* GetDimensionsCount(const OrtTensorTypeAndShapeInfo* info, size_t* out)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[61];

    // 62: OrtStatus* GetDimensions(const OrtTensorTypeAndShapeInfo* info, int64_t* dim_values, size_t dim_values_length)
    public static delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions => (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)Table[62];

    // 63: OrtStatus* GetSymbolicDimensions(const OrtTensorTypeAndShapeInfo* info, const char* dim_params[], size_t dim_params_length)
    public static delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint> GetSymbolicDimensions => (delegate* unmanaged[Cdecl]<nint, byte**, nuint, nint>)Table[63];

    // 64: OrtStatus* GetTensorShapeElementCount(const OrtTensorTypeAndShapeInfo* info, size_t* out)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetTensorShapeElementCount => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[64];

    // 65: OrtStatus* GetTensorTypeAndShape(const OrtValue* value, OrtTensorTypeAndShapeInfo** out)  (must be released)
    public static delegate* unmanaged[Cdecl]<nint, nint*, nint> GetTensorTypeAndShape => (delegate* unmanaged[Cdecl]<nint, nint*, nint>)Table[65];

    // 67: OrtStatus* GetValueType(const OrtValue* value, enum ONNXType* out)
    public static delegate* unmanaged[Cdecl]<nint, int*, nint> GetValueType => (delegate* unmanaged[Cdecl]<nint, int*, nint>)Table[67];

    // 69: OrtStatus* CreateCpuMemoryInfo(enum OrtAllocatorType type, enum OrtMemType mem_type, OrtMemoryInfo** out)
    public static delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo => (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)Table[69];

    // 76: OrtStatus* AllocatorFree(OrtAllocator* ort_allocator, void* p)
    public static delegate* unmanaged[Cdecl]<nint, void*, nint> AllocatorFree => (delegate* unmanaged[Cdecl]<nint, void*, nint>)Table[76];

    // 78: OrtStatus* GetAllocatorWithDefaultOptions(OrtAllocator** out)  (never released)
    public static delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions => (delegate* unmanaged[Cdecl]<nint*, nint>)Table[78];

    // 80: OrtStatus* GetValue(const OrtValue* value, int index, OrtAllocator* allocator, OrtValue** out)
    public static delegate* unmanaged[Cdecl]<nint, int, nint, nint*, nint> GetValue => (delegate* unmanaged[Cdecl]<nint, int, nint, nint*, nint>)Table[80];

    // 81: OrtStatus* GetValueCount(const OrtValue* value, size_t* out)
    public static delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetValueCount => (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Table[81];

    // 82: OrtStatus* CreateValue(const OrtValue* const* in, size_t num_values, enum ONNXType value_type, OrtValue** out)
    public static delegate* unmanaged[Cdecl]<nint*, nuint, int, nint*, nint> CreateValue => (delegate* unmanaged[Cdecl]<nint*, nuint, int, nint*, nint>)Table[82];

    // 92: void ReleaseEnv(OrtEnv* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv => (delegate* unmanaged[Cdecl]<nint, void>)Table[92];

    // 93: void ReleaseStatus(OrtStatus* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus => (delegate* unmanaged[Cdecl]<nint, void>)Table[93];

    // 94: void ReleaseMemoryInfo(OrtMemoryInfo* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo => (delegate* unmanaged[Cdecl]<nint, void>)Table[94];

    // 95: void ReleaseSession(OrtSession* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseSession => (delegate* unmanaged[Cdecl]<nint, void>)Table[95];

    // 96: void ReleaseValue(OrtValue* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseValue => (delegate* unmanaged[Cdecl]<nint, void>)Table[96];

    // 97: void ReleaseRunOptions(OrtRunOptions* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseRunOptions => (delegate* unmanaged[Cdecl]<nint, void>)Table[97];

    // 98: void ReleaseTypeInfo(OrtTypeInfo* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo => (delegate* unmanaged[Cdecl]<nint, void>)Table[98];

    // 99: void ReleaseTensorTypeAndShapeInfo(OrtTensorTypeAndShapeInfo* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorTypeAndShapeInfo => (delegate* unmanaged[Cdecl]<nint, void>)Table[99];

    // 100: void ReleaseSessionOptions(OrtSessionOptions* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions => (delegate* unmanaged[Cdecl]<nint, void>)Table[100];

    // 110: OrtStatus* SessionEndProfiling(OrtSession* session, OrtAllocator* allocator, char** out)
    public static delegate* unmanaged[Cdecl]<nint, nint, byte**, nint> SessionEndProfiling => (delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Table[110];

    // 124: OrtStatus* AddFreeDimensionOverrideByName(OrtSessionOptions* options, const char* dim_name, int64_t dim_value)
    public static delegate* unmanaged[Cdecl]<nint, byte*, long, nint> AddFreeDimensionOverrideByName => (delegate* unmanaged[Cdecl]<nint, byte*, long, nint>)Table[124];

    // 125: OrtStatus* GetAvailableProviders(char*** out_ptr, int* provider_length)
    public static delegate* unmanaged[Cdecl]<byte***, int*, nint> GetAvailableProviders => (delegate* unmanaged[Cdecl]<byte***, int*, nint>)Table[125];

    // 126: OrtStatus* ReleaseAvailableProviders(char** ptr, int providers_length)
    public static delegate* unmanaged[Cdecl]<byte**, int, nint> ReleaseAvailableProviders => (delegate* unmanaged[Cdecl]<byte**, int, nint>)Table[126];

    // 130: OrtStatus* AddSessionConfigEntry(OrtSessionOptions* options, const char* config_key, const char* config_value)
    public static delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint> AddSessionConfigEntry => (delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)Table[130];

    // 170: OrtStatus* SessionOptionsAppendExecutionProvider_TensorRT_V2(OrtSessionOptions* options, const OrtTensorRTProviderOptionsV2* tensorrt_options)
    public static delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProviderTensorRTV2 => (delegate* unmanaged[Cdecl]<nint, nint, nint>)Table[170];

    // 171: OrtStatus* CreateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2** out)
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateTensorRTProviderOptions => (delegate* unmanaged[Cdecl]<nint*, nint>)Table[171];

    // 172: OrtStatus* UpdateTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* options, const char* const* keys, const char* const* values, size_t num_keys)
    public static delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateTensorRTProviderOptions => (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)Table[172];

    // 174: void ReleaseTensorRTProviderOptions(OrtTensorRTProviderOptionsV2* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseTensorRTProviderOptions => (delegate* unmanaged[Cdecl]<nint, void>)Table[174];

    // 204: OrtStatus* SessionOptionsAppendExecutionProvider_CUDA_V2(OrtSessionOptions* options, const OrtCUDAProviderOptionsV2* cuda_options)
    public static delegate* unmanaged[Cdecl]<nint, nint, nint> SessionOptionsAppendExecutionProviderCudaV2 => (delegate* unmanaged[Cdecl]<nint, nint, nint>)Table[204];

    // 205: OrtStatus* CreateCUDAProviderOptions(OrtCUDAProviderOptionsV2** out)
    public static delegate* unmanaged[Cdecl]<nint*, nint> CreateCUDAProviderOptions => (delegate* unmanaged[Cdecl]<nint*, nint>)Table[205];

    // 206: OrtStatus* UpdateCUDAProviderOptions(OrtCUDAProviderOptionsV2* cuda_options, const char* const* provider_options_keys,
    //                                          const char* const* provider_options_values, size_t num_keys)
    public static delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions => (delegate* unmanaged[Cdecl]<nint, byte**, byte**, nuint, nint>)Table[206];

    // 208: void ReleaseCUDAProviderOptions(OrtCUDAProviderOptionsV2* input)
    public static delegate* unmanaged[Cdecl]<nint, void> ReleaseCUDAProviderOptions => (delegate* unmanaged[Cdecl]<nint, void>)Table[208];

    // 216: OrtStatus* SessionOptionsAppendExecutionProvider(OrtSessionOptions* options, const char* provider_name,
    //                                                      const char* const* provider_options_keys, const char* const* provider_options_values, size_t num_keys)
    public static delegate* unmanaged[Cdecl]<nint, byte*, byte**, byte**, nuint, nint> SessionOptionsAppendExecutionProvider => (delegate* unmanaged[Cdecl]<nint, byte*, byte**, byte**, nuint, nint>)Table[216];

    // 254: const char* GetBuildInfoString(void)  (no status; static string owned by ORT)
    public static delegate* unmanaged[Cdecl]<byte*> GetBuildInfoString => (delegate* unmanaged[Cdecl]<byte*>)Table[254];
}
