namespace OliveNet.Passes.Quantization.BlockWise;

/// <summary>Option checks the block-wise passes share.</summary>
internal static class BlockWiseValidation
{
    public static void BlockSize(int blockSize, List<string> errors)
    {
        if (blockSize < 16 || blockSize > 256 || (blockSize & (blockSize - 1)) != 0)
        {
            errors.Add($"block_size: {blockSize} is not a power of two from 16 to 256 (MatMulNBits' CPU kernel needs one); use 32, 64 or 128.");
        }
    }

    public static void AccuracyLevel(int? level, List<string> errors)
    {
        if (level is < 0 or > 4)
        {
            errors.Add($"accuracy_level: {level} is not one of 0 (unset), 1 (fp32), 2 (fp16), 3 (bf16), 4 (int8); leave it out to write none.");
        }
    }
}
