using OliveNet.Runtime.Interop;

namespace OliveNet.Runtime.Tests.Interop;

public unsafe class OrtStatusTests
{
    [Fact]
    public void An_error_status_becomes_an_exception_with_its_code_and_message()
    {
        nint status;
        fixed (byte* message = Utf8.Bytes("näive failure"))
        {
            // Also verifies the table indices of CreateStatus (0), GetErrorCode (1), GetErrorMessage (2).
            status = OrtApi.CreateStatus((int)OrtErrorCode.ModelRequiresCompilation, message);
        }

        var e = Assert.Throws<OrtException>(() => OrtStatus.Check(status, "Doing something"));
        Assert.Equal(OrtErrorCode.ModelRequiresCompilation, e.Code);
        Assert.Equal("Doing something: näive failure", e.Message);
    }
}
