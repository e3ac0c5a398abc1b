using OliveNet.Bench;

return args.FirstOrDefault() switch
{
    "save-throughput" => SaveThroughput.Run(args.Skip(1).ToArray()),
    "interleaved-latency" => InterleavedLatency.Run(args.Skip(1).ToArray()),
    "ort-parity" => OrtParity.Run(args.Skip(1).ToArray()),
    "cache-blob" => BlobCacheThroughput.Run(args.Skip(1).ToArray()),
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
          interleaved-latency --input NAME=D0xD1... [--runs 200] [--warmup 10] [--threads 1] [--int-max 8] MODEL MODEL...
              p50 of each model on the same seeded int64 inputs in [0, int-max), one run of each model in turn in one
              process (machine load hits all alike); prints the first model's p50 over each other's.

          ort-parity --input NAME=D0xD1... [--fill 0.5] [--runs 200] [--warmup 20] [--threads 1] MODEL
              p50 of OliveNet's session seam vs the official Microsoft.ML.OnnxRuntime C# API used directly, same model,
              input and options, one run of each in turn in one process; prints both and their ratio.

          cache-blob --url CONTAINER_URL --model MODEL [--rounds 5] [--create]
              Shares (upload + record commit) and fetches (download + hash check) one artifact through the blob cache,
              against the local cache's durable copy + hash check, rounds interleaved; MB/s and ratios. Credentials
              from the environment as for olivenet run. bench/cache/blob.sh runs it against a local Azurite.

        bench/ort-parity/run.sh runs ort-parity and adds ONNX Runtime's Node binding as an outside peer.
        """);
    return 2;
}
