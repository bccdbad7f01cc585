"""Independent Llama/Qwen2 forward in plain PyTorch (no transformers), for LlamaReferenceTest.

Usage: llama_reference.py CHECKPOINT_DIR IDS_JSON OUT_BIN
Reads config.json and model.safetensors (parsed by hand: 8-byte LE header length, JSON header,
raw little-endian bytes), runs the forward on the token ids (a list of rows, no padding) in
float64, and writes the logits [B, T, V] as little-endian float64 to OUT_BIN.
"""
import json, struct, sys, math
import torch

def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info["dtype"]
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(info["shape"])
        out[name] = t.to(torch.float64)
    return out

def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

def forward(cfg, w, ids):
    B, T = ids.shape
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg["hidden_size"] // H
    eps = cfg["rms_norm_eps"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    pos = torch.arange(T, dtype=torch.float64)
    freqs = torch.outer(pos, inv)
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()
    x = w["model.embed_tokens.weight"][ids]
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        def proj(n):
            y = h @ w[p + f"self_attn.{n}_proj.weight"].T
            if p + f"self_attn.{n}_proj.bias" in w:
                y = y + w[p + f"self_attn.{n}_proj.bias"]
            return y
        q = proj("q").view(B, T, H, D).transpose(1, 2)
        k = proj("k").view(B, T, KV, D).transpose(1, 2)
        v = proj("v").view(B, T, KV, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + causal, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, H * D) @ w[p + "self_attn.o_proj.weight"].T
        x = x + o
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T

if __name__ == "__main__":
    ckpt, ids_json, out = sys.argv[1:4]
    cfg = json.load(open(f"{ckpt}/config.json"))
    w = read_safetensors(f"{ckpt}/model.safetensors")
    ids = torch.tensor(json.load(open(ids_json)), dtype=torch.long)
    with torch.no_grad():
        logits = forward(cfg, w, ids)
    open(out, "wb").write(logits.contiguous().numpy().astype("<f8").tobytes())
