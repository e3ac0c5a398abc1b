using OliveNet.Passes.Quantization.Common;

namespace OliveNet.Passes.Tests.Quantization.Common;

public sealed class QuantizationTallyTests
{
    [Fact]
    public void Counts_are_per_op_type_and_skips_one_line_per_op_type_and_reason_with_a_count_and_the_first_names()
    {
        var tally = new QuantizationTally();
        tally.Count("MatMul");
        tally.Count("FusedMatMul");
        tally.Count("MatMul");
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            tally.Skip("MatMul", "its B is not a constant", name);
        }

        tally.Skip("FusedMatMul", "its B is not a constant", "qk");
        var log = new StringWriter();
        tally.WriteTo(log, "Pass");

        Assert.Equal(3, tally.Total);
        Assert.Equal(
            [
                "Pass: quantized per op type: 1 FusedMatMul, 2 MatMul.",
                "Pass: 1 FusedMatMul left in float because its B is not a constant (qk).",
                "Pass: 5 MatMul left in float because its B is not a constant (a, b, c, … 2 more).",
            ],
            log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
