// A second llama.cpp build (node-llama-cpp's prebuilt CPU binary, installed by build/fetch-node-llama-cpp.sh) run on
// GGUF files: greedy continuation of given token ids, optionally timed. argv[2] is one JSON request or an array of
// them; each prints one JSON line, in order.
//   {"model": "m.gguf", "prompt": [ids], "steps": 16}                 -> {"ids": [...]}
//   {"model": "m.gguf", "prompt": [ids], "steps": 128, "time": true}  -> {"ids": [...], "prefill_ms": x, "decode_ms": y, "threads": n}
// Options: "threads" (default: one per core; node-llama-cpp's own default may use more threads than cores, and
// llama.cpp's spinning threads then crawl on a busy machine), "context" (default: prompt + steps rounded up to 256); "text" instead of
// "prompt" tokenizes the text with the file's own vocabulary (no BOS; special tokens as text).
// prefill_ms runs from the call to the first generated token (the prompt's forward and its choice); decode_ms covers
// the remaining steps - 1 tokens.
import { availableParallelism } from "node:os";
import { getLlama } from "node-llama-cpp";

const parsed = JSON.parse(process.argv[2]);
const requests = Array.isArray(parsed) ? parsed : [parsed];
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error", progressLogs: false });
const models = new Map();
for (const request of requests) {
  if (!models.has(request.model)) {
    models.set(request.model, await llama.loadModel({ modelPath: request.model, gpuLayers: 0, checkTensors: true }));
  }
  const model = models.get(request.model);
  if (request.text !== undefined) request.prompt = model.tokenize(request.text);
  const needed = request.prompt.length + request.steps;
  const context = await model.createContext({
    contextSize: request.context ?? Math.ceil(needed / 256) * 256,
    batchSize: Math.max(request.prompt.length, 1),
    threads: request.threads ?? availableParallelism(),
    flashAttention: false,
  });
  const sequence = context.getSequence();
  const ids = [];
  let start = process.hrtime.bigint();
  let prefillMs = 0;
  // temperature 0 is greedy; no penalties; end-of-generation tokens do not stop it (the caller gives the step count).
  for await (const token of sequence.evaluate(request.prompt, { temperature: 0 })) {
    if (ids.length === 0) {
      prefillMs = Number(process.hrtime.bigint() - start) / 1e6;
      start = process.hrtime.bigint();
    }
    ids.push(token);
    if (ids.length >= request.steps) break;
  }
  const decodeMs = Number(process.hrtime.bigint() - start) / 1e6;
  const result = { ids };
  if (request.time) {
    Object.assign(result, { prompt_tokens: request.prompt.length, prefill_ms: prefillMs, decode_ms: decodeMs, threads: context.currentThreads });
  }
  console.log(JSON.stringify(result));
  await context.dispose();
}
for (const model of models.values()) await model.dispose();
await llama.dispose();
