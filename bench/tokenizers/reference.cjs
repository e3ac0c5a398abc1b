#!/usr/bin/env node
// Reference ids from Hugging Face tokenizers (npm tokenizers@0.23.2, installed in bench/tokenizers/.work).
//   node reference.cjs <tokenizer.json> <text file> <out.jsonl> [--special] [--time] [--whole] [--warm]
// --warm encodes twice and times the second pass (warm caches).
// Writes one JSON array of ids per input line (lines split on \n, no trailing newline kept).
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require(path.join(__dirname, ".work", "node_modules", "tokenizers"));

async function main() {
  const [jsonPath, textPath, outPath, ...flags] = process.argv.slice(2);
  if (!outPath) { console.error("usage: reference.cjs <tokenizer.json> <text> <out.jsonl> [--special] [--time] [--whole] [--warm]"); process.exit(2); }
  const special = flags.includes("--special");
  const tokenizer = Tokenizer.fromFile(jsonPath);
  const text = fs.readFileSync(textPath, "utf8");
  const lines = flags.includes("--whole") ? [text] : text.split("\n");
  const passes = flags.includes("--warm") ? 2 : 1;
  let started, out;
  for (let pass = 0; pass < passes; pass++) {
    started = process.hrtime.bigint();
    out = [];
    for (const line of lines) {
      const encoding = await tokenizer.encode(line, null, { addSpecialTokens: special });
      out.push(encoding.getIds());
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.writeFileSync(outPath, out.map((ids) => JSON.stringify(Array.from(ids))).join("\n") + "\n");
  if (flags.includes("--time")) console.log(JSON.stringify({ seconds, bytes: Buffer.byteLength(text) }));
}
main().catch((e) => { console.error(e); process.exit(1); });
