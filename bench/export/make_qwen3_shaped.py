"""Writes a random-weight checkpoint with Qwen3-0.6B's exact shapes (hidden 1024, 28 layers, 16/8 heads, head_dim 128,
intermediate 3072, vocab 151936, tied, q/k norms; 596 M parameters, 1.19 GB in bf16) in the Hugging Face layout, for
timing the ModelBuilder export. Tensors are generated and written one at a time (the header is computed from the
shapes first), so this script needs little memory.

usage: /usr/bin/python3 make_qwen3_shaped.py OUT_DIR
"""
import json
import os
import struct
import sys

import torch

CONFIG = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 1024, "intermediate_size": 3072,
          "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936,
          "max_position_embeddings": 40960, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": True,
          "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "bfloat16", "hidden_act": "silu"}


def shapes(c):
    h, i, d = c["hidden_size"], c["intermediate_size"], c["head_dim"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    yield "model.embed_tokens.weight", [c["vocab_size"], h]
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        yield p + "input_layernorm.weight", [h]
        yield p + "self_attn.q_proj.weight", [q, h]
        yield p + "self_attn.k_proj.weight", [kv, h]
        yield p + "self_attn.v_proj.weight", [kv, h]
        yield p + "self_attn.q_norm.weight", [d]
        yield p + "self_attn.k_norm.weight", [d]
        yield p + "self_attn.o_proj.weight", [h, q]
        yield p + "post_attention_layernorm.weight", [h]
        yield p + "mlp.gate_proj.weight", [i, h]
        yield p + "mlp.up_proj.weight", [i, h]
        yield p + "mlp.down_proj.weight", [h, i]
    yield "model.norm.weight", [h]


def main(out):
    os.makedirs(out, exist_ok=True)
    entries = list(shapes(CONFIG))
    header, offset = {}, 0
    for name, shape in entries:
        size = 2 * torch.Size(shape).numel()
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    gen = torch.Generator().manual_seed(0)
    with open(os.path.join(out, "model.safetensors.tmp"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, shape in entries:
            t = torch.ones(shape) if len(shape) == 1 else torch.randn(shape, generator=gen) * 0.02
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    os.replace(os.path.join(out, "model.safetensors.tmp"), os.path.join(out, "model.safetensors"))
    for name, obj in (("config.json", CONFIG), ("generation_config.json", {"bos_token_id": 151643, "eos_token_id": [151645, 151643],
                                                                            "do_sample": True, "temperature": 0.6, "top_k": 20, "top_p": 0.95})):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
