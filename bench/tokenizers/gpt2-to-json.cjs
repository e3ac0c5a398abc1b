#!/usr/bin/env node
// Writes a Hugging Face tokenizer.json for the original GPT-2 files so the reference library can load them.
//   node gpt2-to-json.cjs <encoder.json> <vocab.bpe> <out tokenizer.json>
const fs = require("fs");
const [encoderPath, bpePath, outPath] = process.argv.slice(2);
if (!outPath) { console.error("usage: gpt2-to-json.cjs <encoder.json> <vocab.bpe> <out>"); process.exit(2); }
const vocab = JSON.parse(fs.readFileSync(encoderPath, "utf8"));
const merges = fs.readFileSync(bpePath, "utf8").split("\n").filter((l, i) => l.length > 0 && !(i === 0 && l.startsWith("#version")));
const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
const json = {
  version: "1.0", truncation: null, padding: null,
  added_tokens: [{ id: vocab["<|endoftext|>"], content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
  normalizer: null, pre_tokenizer: byteLevel, post_processor: byteLevel, decoder: byteLevel,
  model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
};
fs.writeFileSync(outPath, JSON.stringify(json));
