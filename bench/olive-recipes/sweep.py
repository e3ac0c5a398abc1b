#!/usr/bin/env python3
"""Runs `olivenet validate` over every Olive run config in a checkout and classifies each refusal.

Usage: bench/olive-recipes/sweep.py <checkout> [--olivenet PATH] [--out DIR] [--top N]
       bench/olive-recipes/sweep.py --results DIR/results.json   (re-sort saved results, without running validate)
       bench/olive-recipes/sweep.py <checkout> --results DIR/results.json --standins FIXTURES [--run]
           (the configs refused only because their Hugging Face checkpoint is not downloaded, validated again with
            model_path pointed at a stand-in checkpoint of the same family from FIXTURES — the folder of
            tests/fixtures/hf checkpoints, ~/.cache/olivenet/fixtures/hf-<hash> — and with --run run end to end)
       add --hub-cache DIR to any of these: olivenet reads Hugging Face hub datasets from DIR (HF_HUB_CACHE); stand-ins of
           the two Olive's CPU language-model recipes read by default come from bench/olive-recipes/hub-standins.cs

A run config is a .json/.yaml/.yml file whose top level is a mapping with `passes` or `input_model`. Each is validated
from its own folder (as Olive resolves paths). Every error line is sorted into a class:

  deliberate     OliveNet refuses this on purpose: Python (user scripts, PyTorch inputs, lm-eval tasks other than MMLU), AzureML,
                 Docker and Python-environment systems, Hugging Face hub downloads offline, targets other than the CPU,
                 passes and data components OliveNet does not have, values refused by design.
  follow-on      a consequence of another error in the same file (a metric naming a refused data config, ...).
  incompatible   anything else: a form Olive accepts that OliveNet refuses or misreads.

A file is accepted (exit 0), incompatible (any incompatible line), or refused deliberately. Of the deliberate ones, those
refused only because a checkpoint is not downloaded or an input model made by another recipe is absent are counted
apart: they would be accepted on a machine that has those files. Prints the counts and the most frequent reasons of
each class; --out DIR also writes per-file results (results.json) there.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

DELIBERATE = [
    ("vendor toolchain or PyTorch conversion (out of scope)", r"is out of OliveNet's scope"),
    ("Olive graph surgeon OliveNet lacks (GPU/NPU/PyTorch-export only)", r"is an Olive surgeon OliveNet does not have"),
    ("pass OliveNet lacks", r"is not a pass OliveNet has|is an Olive pass OliveNet does not support yet"),
    ("Olive option OliveNet cannot honour (it would change the model)", r"option is not supported by OliveNet|is not supported by OliveNet's"),
    ("input model made by another recipe, not present", r"^'[^']*' does not exist \(looked at"),
    ("not an Olive run config (Vitis AI vaip pass list)", r"^expected a mapping \(key: value lines\), got a list$"),
    ("also refused by Olive (input_model without type)", r"^is required: ONNXModel or HfModel$"),
    ("Python code (user_script/script_dir)", r"names Python code|Python|python"),
    ("Hugging Face hub download offline", r"Hugging Face hub id that is not available offline|hub dataset|download"),
    ("PyTorch / non-ONNX input model", r"inputs are not supported by OliveNet"),
    ("AzureML / Docker / Python-environment system", r"does not use Python environments|Docker|AzureML|azureml|IsolatedORT"),
    ("target is not the CPU", r"supports devices .*but the target device is|produces models for .*but the target is|execution provider .* not available"),
    ("evaluator type other than OliveEvaluator (lm-eval)", r"OliveNet evaluates ONNX models with its own evaluator"),
    ("lm-eval task or mode OliveNet's LMEvaluator does not run (it runs MMLU)", r"is not an lm-eval task OliveNet runs|needs lm-evaluation-harness|chat-template mode"),
    ("data component OliveNet lacks", r"is not built in"),
    ("refused by design (float16 in fusion, cast_chain_elimination)", r"float16: true is not supported|cast_chain_elimination: true is not supported"),
    ("packaging / builds", r"packaging|named builds"),
    ("Hugging Face evaluate metric (huggingface_metrics backend, Python)", r"names a Hugging Face evaluate metric"),
    ("no passes and no evaluator (Olive's auto-optimizer)", r"its auto-optimizer, which OliveNet does not have"),
]

# Keys that are not in Olive's run config either (Olive warns and ignores them), by key path.
NOT_OLIVE_KEYS = {"metrics": "top-level metrics (not an Olive run-config key; Olive ignores it)"}

FOLLOW_ON = [
    ("names a refused data config", r"is not a data config"),
    ("names a refused system", r"which systems does not define"),
    ("priorities after a refused sub-type", r"ranked sub-types need unique priorities"),
    ("every search point invalid", r"every search point of this pass is invalid"),
]

OFFLINE_ONLY = {"Hugging Face hub download offline", "input model made by another recipe, not present"}
NOT_OLIVE = "not an Olive run config (Vitis AI vaip pass list)"

ERROR_LINE = re.compile(r"^  (?P<key>\S*): (?P<message>.*?)(?: — (?P<where>.*))?$")


def run_configs(root):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith((".json", ".yaml", ".yml")) or name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as f:
                    if name.endswith(".json"):
                        data = json.load(f)
                    else:
                        import yaml  # only needed when a checkout has YAML configs

                        data = yaml.safe_load(f)
            except Exception:
                continue
            if isinstance(data, dict) and ("passes" in data or "input_model" in data):
                yield path


def classify(message, key=""):
    if message.startswith("unknown key") and key in NOT_OLIVE_KEYS:
        return "deliberate", NOT_OLIVE_KEYS[key]
    if key == "input_model" and message.startswith("is required"):
        return "follow-on", "no input_model in a non-Olive config"
    for label, pattern in FOLLOW_ON:
        if re.search(pattern, message):
            return "follow-on", label
    for label, pattern in DELIBERATE:
        if re.search(pattern, message):
            return "deliberate", label
    return "incompatible", None


def classify_all(errors):
    """Classifies every error line of one file; in a file that is not an Olive run config the rest follow from that."""
    for e in errors:
        e["class"], e["label"] = classify(e["message"], e["key"])
    if any(e["label"] == NOT_OLIVE for e in errors):
        for e in errors:
            if e["class"] == "incompatible":
                e["class"], e["label"] = "follow-on", "key of a non-Olive config"


def reason(key, message):
    """The message without values and positions, with the key's last segment, so equal causes group together."""
    last = re.sub(r"\[\d+\]", "[]", key.split(".")[-1]) if key else "(recipe)"
    text = re.sub(r"'[^']*'", "'…'", message)
    text = re.sub(r"/\S+", "…", text)
    text = re.sub(r"; (available|its options are|built in|accuracy has): .*", r"; \1: …", text)
    return f"{last}: {text}"


def validate_all(checkout, olivenet):
    results = []
    for path in run_configs(checkout):
        rel = os.path.relpath(path, checkout)
        proc = subprocess.run([olivenet, "validate", os.path.basename(path)], cwd=os.path.dirname(path),
                              capture_output=True, text=True, timeout=120)
        errors = []
        for line in proc.stderr.splitlines():
            m = ERROR_LINE.match(line)
            if m and not line.startswith("error:"):
                errors.append({"key": m["key"], "message": m["message"]})
        results.append({"file": rel, "exit": proc.returncode, "errors": errors, "stderr": proc.stderr.strip()[:300]})
    return results


# Vision-language wrappers first (their hub ids also contain the generic keys): ModelBuilder exports their text decoder.
STANDIN_FAMILIES = [("whisper", "whisper"), ("smollm3", "smollm3"), ("olmo3", "olmo3"), ("hymt", "hunyuan"), ("hunyuan", "hunyuan"),
                    ("qwen3vl", "qwen3_vl"), ("qwen2.5vl", "qwen2_5_vl"), ("fara", "qwen2_5_vl"), ("translategemma", "gemma3_vl"),
                    ("gemma34b", "gemma3_vl"), ("ministral3", "mistral3"), ("qwen3.5", "qwen3_5"),
                    ("qwen3", "qwen3_g128"), ("qwen2", "qwen2_g128"), ("qwen", "qwen2_g128"), ("llama", "llama"), ("smollm", "llama"),
                    ("phi", "phi3"), ("gemma", "gemma3"), ("mistral", "mistral_g128")]


# Families without a stand-in checkpoint: their real config.json (architecture and type, from the hub cards) is enough for
# validate to say whether OliveNet exports them at all.
CONFIG_ONLY = [("moonshine", {"architectures": ["MoonshineForConditionalGeneration"], "model_type": "moonshine"})]


CALIBRATION_PASSES = {"gptq", "selectivemixedprecision"}


def needs_calibration_only(errors):
    """Incompatible only because a Gptq / SMP kld_gradient pass relies on Olive's hub calibration dataset (wikitext-2)."""
    incompatible = [e for e in errors if e["class"] == "incompatible"]
    return bool(incompatible) and all(e["message"].startswith("calibration_text / data_config:") for e in incompatible)


def standin_config(path, standins, calibration_text=None):
    """A copy of the config beside it with an HfModel hub id replaced by a stand-in checkpoint, or None. With
    calibration_text, Gptq and SelectiveMixedPrecision passes read that local file instead of Olive's hub default."""
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            data = json.load(f)
        else:
            import yaml

            data = yaml.safe_load(f)
    model = data.get("input_model") if isinstance(data, dict) else None
    if not isinstance(model, dict) or str(model.get("type", "")).lower() != "hfmodel":
        return None
    hub = str(model.get("model_path", "")).lower()
    family = next((folder for key, folder in STANDIN_FAMILIES if key in hub.replace("-", "")), None)
    if family is not None and os.path.isdir(os.path.join(standins, family)):
        model["model_path"] = os.path.join(standins, family)
    else:
        # No weights of this family here: a folder with only the real config.json still lets validate judge the architecture.
        config = next((c for key, c in CONFIG_ONLY if key in hub.replace("-", "")), None)
        if config is None:
            return None
        import tempfile

        folder = os.path.join(tempfile.gettempdir(), "olivenet-config-only", config["model_type"])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)
        model["model_path"] = folder
    if calibration_text:
        for entry in (data.get("passes") or {}).values():
            if isinstance(entry, dict) and str(entry.get("type", "")).lower() in CALIBRATION_PASSES:
                entry.setdefault("calibration_text", calibration_text)
    copy = os.path.join(os.path.dirname(path), f".standin-{os.path.splitext(os.path.basename(path))[0]}.json")
    with open(copy, "w", encoding="utf-8") as f:
        json.dump(data, f)
    return copy


def standin_sweep(checkout, results, olivenet, standins, run, top, calibration_text=None):
    """Validates (and runs) with stand-in checkpoints the configs refused only for a checkpoint that is not downloaded
    (and, with calibration_text, also those whose only other refusal is Olive's hub calibration dataset)."""
    candidates = []
    for result in results:
        errors = result["errors"]
        classify_all(errors)
        labels = {e["label"] for e in errors if e["class"] == "deliberate"}
        only_calibration = calibration_text is not None and needs_calibration_only(errors)
        if result["exit"] != 0 and labels and labels <= {"Hugging Face hub download offline"} and (only_calibration or not any(e["class"] == "incompatible" for e in errors)):
            candidates.append(result["file"])
    what = " or Olive's hub calibration dataset" if calibration_text else ""
    print(f"\nstand-ins: {len(candidates)} config(s) refused only for a hub checkpoint{what}")
    no_standin, valid, reasons, ran, failures = 0, [], collections.Counter(), 0, collections.Counter()
    for rel in candidates:
        path = os.path.join(checkout, rel)
        copy = standin_config(path, standins, calibration_text)
        if copy is None:
            no_standin += 1
            continue
        proc = subprocess.run([olivenet, "validate", os.path.basename(copy)], cwd=os.path.dirname(copy), capture_output=True, text=True, timeout=120)
        if proc.returncode == 0:
            valid.append(copy)
        else:
            for line in proc.stderr.splitlines():
                m = ERROR_LINE.match(line)
                if m and not line.startswith("error:"):
                    reasons[reason(m["key"], m["message"])] += 1
    print(f"  no stand-in family: {no_standin}; validate with a stand-in: {len(valid)}")
    for text, n in reasons.most_common(top):
        print(f"  {n:5d}  {text[:200]}")
    if run:
        import tempfile

        scratch = tempfile.mkdtemp(prefix="olivenet-standins-")
        for i, copy in enumerate(valid):
            # Cache and output outside the checkout, so a later sweep does not take the published manifests for configs.
            proc = subprocess.run([olivenet, "run", os.path.basename(copy), "--set", f"cache_dir={scratch}/cache",
                                   "--set", f"output_dir={scratch}/out-{i}"],
                                  cwd=os.path.dirname(copy), capture_output=True, text=True, timeout=900)
            if proc.returncode == 0:
                ran += 1
            else:
                failures[(proc.stderr.strip().splitlines() or ["?"])[-1][:200]] += 1
        print(f"  run end to end on stand-ins: {ran} of {len(valid)} (outputs in {scratch})")
        for text, n in failures.most_common(top):
            print(f"  {n:5d}  {text}")


def summarize(results, top):
    files = {"accepted": 0, "deliberate": 0, "incompatible": 0}
    offline_only = 0
    lines = {"deliberate": collections.Counter(), "incompatible": collections.Counter(), "follow-on": collections.Counter()}
    deliberate_files = collections.Counter()
    incompatible_files = collections.Counter()
    for result in results:
        errors = result["errors"]
        classify_all(errors)
        if result["exit"] == 0:
            status = "accepted"
        elif any(e["class"] == "incompatible" for e in errors) or not errors:
            status = "incompatible"
        else:
            status = "deliberate"
        result["status"] = status
        files[status] += 1
        for e in errors:
            lines[e["class"]][e["label"] or reason(e["key"], e["message"])] += 1
        if status == "deliberate":
            labels = {e["label"] for e in errors if e["class"] == "deliberate"}
            deliberate_files.update(labels)
            offline_only += labels <= OFFLINE_ONLY
        if status == "incompatible":
            incompatible_files.update({reason(e["key"], e["message"]) for e in errors if e["class"] == "incompatible"}
                                      or {f"exit {result['exit']}: {result.get('stderr', '')[:160]}"})

    print(f"run configs: {len(results)}")
    print(f"accepted: {files['accepted']}   refused deliberately: {files['deliberate']}   incompatible: {files['incompatible']}")
    print(f"  of the deliberate ones, refused only for a checkpoint not downloaded or an input model not built here: {offline_only}")
    print(f"error lines: deliberate {sum(lines['deliberate'].values())}, incompatible {sum(lines['incompatible'].values())}, "
          f"follow-on (one cause reported twice) {sum(lines['follow-on'].values())}")
    print("\nincompatible files, by reason (files):")
    for text, n in incompatible_files.most_common(top):
        print(f"  {n:5d}  {text[:200]}")
    print("\ndeliberate refusals, by reason (files with that refusal):")
    for text, n in deliberate_files.most_common(top):
        print(f"  {n:5d}  {text}")
    print("\nfollow-on lines:")
    for text, n in lines["follow-on"].most_common(top):
        print(f"  {n:5d}  {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", nargs="?")
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "src", "OliveNet.Cli", "bin", "Release", "net10.0", "olivenet")
    parser.add_argument("--olivenet", default=os.path.normpath(default), help="the built CLI (dotnet build src/OliveNet.Cli -c Release)")
    parser.add_argument("--out", help="folder for results.json")
    parser.add_argument("--results", help="a results.json written by --out: sort it again without running validate")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--calibration-text", help="with --standins: give Gptq/SelectiveMixedPrecision this local text file instead of Olive's hub calibration dataset")
    parser.add_argument("--standins", help="folder of stand-in checkpoints (qwen3, qwen2, llama, phi3, gemma3, mistral, smollm3, olmo3, hunyuan, qwen3_5, qwen3_vl, qwen2_5_vl, gemma3_vl, mistral3)")
    parser.add_argument("--run", action="store_true", help="with --standins: also run the configs that validate")
    parser.add_argument("--hub-cache", help="Hugging Face hub cache for every olivenet call (HF_HUB_CACHE), e.g. the stand-in datasets "
                        "written by `dotnet run bench/olive-recipes/hub-standins.cs DIR` (wikitext-2 for Gptq/kld_gradient, cais/mmlu for LMEvaluator)")
    args = parser.parse_args()
    if args.hub_cache:
        os.environ["HF_HUB_CACHE"] = os.path.abspath(args.hub_cache)
    if args.standins:
        if not (args.results and args.checkout):
            parser.error("--standins needs the checkout and --results")
        with open(args.results, encoding="utf-8") as f:
            standin_sweep(args.checkout, json.load(f), args.olivenet, args.standins, args.run, args.top,
                          os.path.abspath(args.calibration_text) if args.calibration_text else None)
        return
    if args.results:
        with open(args.results, encoding="utf-8") as f:
            results = json.load(f)
    elif args.checkout:
        if not os.access(args.olivenet, os.X_OK):
            sys.exit(f"{args.olivenet} is not an executable; build it with: dotnet build src/OliveNet.Cli -c Release")
        results = validate_all(args.checkout, args.olivenet)
    else:
        parser.error("give the checkout, or --results")

    summarize(results, args.top)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
