using OliveNet.Runtime;
using Xunit.Abstractions;

namespace OliveNet.Conformance.Tests;

/// <summary>The ONNX backend conformance suite from Debian's libonnx-testdata, through our IR and our binding.</summary>
public sealed class ConformanceSuiteTests(ITestOutputHelper output)
{
    public static TheoryData<string> RunnableCases() => Data(runnable: true);

    public static TheoryData<string> SkippedCases() => Data(runnable: false);

    [Theory]
    [MemberData(nameof(RunnableCases))]
    [MemberData(nameof(SkippedCases), Skip = "ONNX Runtime cannot run this case; the reason is in skips.txt")]
    public void Case_survives_our_IR_round_trip_and_matches_expected_outputs_in_onnx_runtime(string id)
    {
        var work = Directory.CreateTempSubdirectory("olivenet-conformance-");
        try
        {
            ConformanceRunner.Run(ConformanceCase.Get(id), work.FullName);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_skipped_case_exists_and_still_fails_in_onnx_runtime()
    {
        var all = ConformanceCase.All().Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var (id, reason) in SkipList.All)
        {
            Assert.True(all.Contains(id), $"skips.txt names '{id}', which is not a case of the suite");
            var work = Directory.CreateTempSubdirectory("olivenet-conformance-");
            try
            {
                ConformanceRunner.Run(ConformanceCase.Get(id), work.FullName);
                stale.Add(id);
            }
            catch (Exception e) when (e is OrtException or Xunit.Sdk.XunitException)
            {
                // Still fails as listed: ONNX Runtime refuses it, or its outputs still differ from the reference.
            }
            finally
            {
                work.Delete(recursive: true);
            }

            output.WriteLine($"skipped {id}: {reason}");
        }

        Assert.True(stale.Count == 0, $"these cases now pass; remove them from skips.txt: {string.Join(", ", stale)}");
    }

    [Fact]
    public void Suite_covers_every_case_of_the_four_suites()
    {
        var cases = ConformanceCase.All();
        var skipped = cases.Count(c => SkipList.All.ContainsKey(c.Id));
        output.WriteLine($"conformance cases: {cases.Count} total, {cases.Count - skipped} run, {skipped} skipped (ORT {OrtRuntime.Version})");
        foreach (var suite in ConformanceCase.Suites)
        {
            Assert.Contains(cases, c => c.Id.StartsWith(suite + "/", StringComparison.Ordinal));
        }

        // Debian's libonnx-testdata 1.12 ships 932 node, 82 pytorch-converted, 35 pytorch-operator and 23 simple cases.
        Assert.True(cases.Count >= 932 + 82 + 35 + 23, $"only {cases.Count} cases found under {ConformanceCase.DataRoot}");
    }

    private static TheoryData<string> Data(bool runnable)
    {
        var data = new TheoryData<string>();
        foreach (var c in ConformanceCase.All().Where(c => SkipList.All.ContainsKey(c.Id) != runnable))
        {
            data.Add(c.Id);
        }

        return data;
    }
}
