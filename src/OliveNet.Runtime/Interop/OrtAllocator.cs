namespace OliveNet.Runtime.Interop;

/// <summary>ORT's default CPU allocator and a CPU memory description, both process-wide.</summary>
internal static unsafe class OrtAllocator
{
    private static nint defaultAllocator;
    private static MemoryInfoHandle? cpuMemoryInfo;

    /// <summary>The default allocator (GetAllocatorWithDefaultOptions); owned by ORT, never released.</summary>
    public static nint Default
    {
        get
        {
            if (defaultAllocator == 0)
            {
                nint allocator;
                OrtStatus.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
                defaultAllocator = allocator;
            }

            return defaultAllocator;
        }
    }

    /// <summary>CPU memory info (arena allocator, default memory type) describing managed buffers we hand to ORT.</summary>
    public static MemoryInfoHandle CpuMemoryInfo
    {
        get
        {
            if (cpuMemoryInfo is null)
            {
                nint info;
                OrtStatus.Check(OrtApi.CreateCpuMemoryInfo(1 /* OrtArenaAllocator */, 0 /* OrtMemTypeDefault */, &info));
                var handle = new MemoryInfoHandle(info);
                if (Interlocked.CompareExchange(ref cpuMemoryInfo, handle, null) is not null)
                {
                    handle.Dispose();
                }
            }

            return cpuMemoryInfo;
        }
    }
}
