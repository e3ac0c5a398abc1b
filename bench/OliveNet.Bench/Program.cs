using OliveNet.Bench;

return args.FirstOrDefault() switch
{
    "save-throughput" => SaveThroughput.Run(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run --project bench/OliveNet.Bench -c Release -- <benchmark> [options]

        benchmarks:
          save-throughput [--gib N] [--dir PATH]
              Builds a model with N GiB (default 1) of external weights, then times OnnxModel.Load + Save
              against a durable copy of the same bytes (flushed to disk, as our save is), side by side, five rounds each.

        See bench/README.md for the ONNX Runtime parity benchmark (bench/ort-parity/run.sh).
        """);
    return 2;
}
