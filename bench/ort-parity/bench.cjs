// Times the same model through onnxruntime-node (ONNX Runtime's own Node binding), for comparison
// with `olivenet bench`. Same settings: sequential execution, given intra-op threads, optimization
// level all, input filled with one constant. Prints one JSON object with the latency statistics in ms.
//   node bench.cjs <ort-node-dir> <model> <input> <d0xd1x...> <fill> <threads> <warmup> <runs>
'use strict';
const [ortDir, model, input, shapeText, fill, threads, warmup, runs] = process.argv.slice(2);
const ort = require(ortDir);

(async () => {
  const shape = shapeText.split('x').map(Number);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(Number(fill));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { [input]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < Number(warmup); i++) await session.run(feeds);
  const samples = [];
  for (let i = 0; i < Number(runs); i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const pct = (p) => {
    const rank = (p / 100) * (samples.length - 1);
    const lo = Math.floor(rank), hi = Math.min(lo + 1, samples.length - 1);
    return samples[lo] + (rank - lo) * (samples[hi] - samples[lo]);
  };
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  console.log(JSON.stringify({ count: samples.length, mean, p50: pct(50), p90: pct(90), p99: pct(99), min: samples[0], max: samples[samples.length - 1] }));
})().catch((e) => { console.error(e); process.exit(1); });
