#!/usr/bin/env node
// Builds a Llama 2 tokenizer.json from the vocabulary and merges that npm llama-tokenizer-js@1.2.2 embeds
// (the original Llama 1/2 SentencePiece vocabulary, 32000 ids), in the layout Hugging Face uses for Llama 2:
// Prepend('▁') + Replace(' ' → '▁') normalizer, no pre-tokenizer, BPE with byte_fallback, BOS template.
//   node llama2-js-to-json.mjs <path to llama-tokenizer.js> <out tokenizer.json>
import fs from "fs";
import { pathToFileURL } from "url";

const [modulePath, outPath] = process.argv.slice(2);
if (!outPath) { console.error("usage: llama2-js-to-json.mjs <llama-tokenizer.js> <out.json>"); process.exit(2); }
const { default: llama } = await import(pathToFileURL(modulePath).href);
const vocab = {};
llama.vocabById.forEach((token, id) => { vocab[token] = id; });
// The merges map is keyed "left right" in priority order; split on the separator using the token ids.
const merges = [];
const byString = llama.vocabByString;
for (const key of llama.merges.keys()) {
  let found = false;
  for (let i = key.indexOf(" "); i >= 0 && !found; i = key.indexOf(" ", i + 1)) {
    const left = key.slice(0, i), right = key.slice(i + 1);
    if (byString.has(left) && byString.has(right) && byString.has(left + right)) { merges.push([left, right]); found = true; }
  }
  if (!found) throw new Error("cannot split merge " + JSON.stringify(key));
}
const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const json = {
  version: "1.0", truncation: null, padding: null,
  added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
  normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, { type: "Replace", pattern: { String: " " }, content: "\u2581" }] },
  pre_tokenizer: null,
  post_processor: { type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<s>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } } },
  decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "\u2581" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
  model: { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
};
fs.writeFileSync(outPath, JSON.stringify(json));
