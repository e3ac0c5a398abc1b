#!/usr/bin/env node
// Renders chat templates with npm @huggingface/jinja (the reference for OliveNet's evaluator).
//   node render-reference.mjs <@huggingface/jinja package dir> <cases.json> <out.json>
// cases.json: [{ "template": "...", "context": {...} }]; out.json: [{ "ok": true, "text": "..." } | { "ok": false, "error": "..." }]
import fs from "fs";
import path from "path";
import { pathToFileURL } from "url";

const [packageDir, casesPath, outPath] = process.argv.slice(2);
const { Template } = await import(pathToFileURL(path.join(packageDir, "dist", "index.js")).href);
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
const results = cases.map(({ template, context }) => {
  try {
    return { ok: true, text: new Template(template).render(context) };
  } catch (e) {
    return { ok: false, error: String(e && e.message || e) };
  }
});
fs.writeFileSync(outPath, JSON.stringify(results));
