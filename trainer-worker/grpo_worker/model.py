"""The causal LM a worker trains.

``transformers.AutoModelForCausalLM`` when ``transformers`` is installed (GPU images: any causal LM
trains), else a built-in Llama/Qwen2 module with Hugging Face tensor names whose arithmetic follows
the Java policy (``policy/.../model/LlamaModel.java``) operation by operation, so that the two
backends agree to float32 rounding:

- RMSNorm ``x / sqrt(mean(x^2) + eps) * w``;
- rotary embeddings, rotate-half convention, ``inv_freq = 1 / theta^(2i/d)`` computed in double and
  rounded to float32; positions ``cumsum(mask) - 1`` (clamped at 0), so left padding changes nothing;
- grouped-query attention ``softmax(QK^T / sqrt(d) + bias) V`` with an additive bias of -1e9 at
  invisible keys (causal, padding), q/k/v bias for Qwen2;
- SwiGLU ``down(gate * sigmoid(gate) * up)``; final RMSNorm; head tied to the embedding or not.

On torch 2.x ``sdpa=True`` uses ``scaled_dot_product_attention`` (GPU), which is not bit-identical
to the explicit softmax; parity tests run with it off.
"""

import json
import math
import os

import torch
from torch import nn

LLAMA = "LlamaForCausalLM"
QWEN2 = "Qwen2ForCausalLM"
MASKED = -1e9


class ModelConfig:
    """The fields of a Hugging Face ``config.json`` the built-in module needs."""

    def __init__(self, raw):
        archs = raw.get("architectures") or [LLAMA]
        if len(archs) != 1:
            raise ValueError(f"architectures must be a one-element array, was {archs}")
        self.raw = raw
        self.architecture = archs[0]
        self.vocab_size = int(raw["vocab_size"])
        self.hidden_size = int(raw["hidden_size"])
        self.intermediate_size = int(raw["intermediate_size"])
        self.num_hidden_layers = int(raw["num_hidden_layers"])
        self.num_attention_heads = int(raw["num_attention_heads"])
        self.num_key_value_heads = int(raw.get("num_key_value_heads", self.num_attention_heads))
        self.head_dim = self.hidden_size // self.num_attention_heads
        if int(raw.get("head_dim", self.head_dim)) != self.head_dim:
            raise ValueError(
                f"head_dim must equal hidden_size / num_attention_heads ({self.head_dim}), "
                f"was {raw['head_dim']}"
            )
        self.max_position_embeddings = int(raw.get("max_position_embeddings", 2048))
        self.rms_norm_eps = float(raw.get("rms_norm_eps", 1e-6))
        self.rope_theta = float(raw.get("rope_theta", 10000.0))
        self.tie_word_embeddings = bool(raw.get("tie_word_embeddings", False))
        self.attention_bias = self.architecture == QWEN2 or bool(raw.get("attention_bias", False))
        self.initializer_range = float(raw.get("initializer_range", 0.02))

    @staticmethod
    def read(path):
        with open(path, "r", encoding="utf-8") as f:
            return ModelConfig(json.load(f))


def _f32(x):
    return torch.tensor(x, dtype=torch.float64).float().item()


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = _f32(eps)

    def forward(self, x):
        variance = x.square().mean(-1, keepdim=True)
        return x.div(variance.add(self.eps).sqrt()).mul(self.weight)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, d = cfg.hidden_size, cfg.head_dim
        kv = cfg.num_key_value_heads * d
        self.cfg = cfg
        self.q_proj = nn.Linear(h, h, bias=cfg.attention_bias)
        self.k_proj = nn.Linear(h, kv, bias=cfg.attention_bias)
        self.v_proj = nn.Linear(h, kv, bias=cfg.attention_bias)
        self.o_proj = nn.Linear(h, h, bias=False)
        self.scale = _f32(1.0 / math.sqrt(d))

    def forward(self, x, cos, sin, bias, sdpa):
        cfg = self.cfg
        b, t, _ = x.shape
        heads, kvh, d = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        q = self.q_proj(x).reshape(b, t, heads, d).transpose(1, 2)
        k = self.k_proj(x).reshape(b, t, kvh, d).transpose(1, 2)
        v = self.v_proj(x).reshape(b, t, kvh, d).transpose(1, 2)
        q = _rope(q, cos, sin)
        k = _rope(k, cos, sin)
        groups = heads // kvh
        if sdpa:
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
            if bias is None:  # no padding: the fused causal kernel (flash attention on GPU)
                ctx = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                ctx = torch.nn.functional.scaled_dot_product_attention(
                    q, k, v, attn_mask=bias.reshape(b, 1, t, t).to(q.dtype)
                )
        else:
            q5 = q.reshape(b, kvh, groups, t, d)
            k5 = k.unsqueeze(2)
            scores = q5.matmul(k5.transpose(3, 4)).mul(self.scale).add(bias)
            ctx = scores.softmax(-1).matmul(v.unsqueeze(2)).reshape(b, heads, t, d)
        ctx = ctx.transpose(1, 2).reshape(b, t, heads * d)
        return self.o_proj(ctx)


def _rope(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat([x[..., half:], x[..., :half]], dim=-1)
    return x.mul(cos).add(rotated.mul(sin))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        gate = self.gate_proj(x)
        return self.down_proj(gate.mul(torch.sigmoid(gate)).mul(self.up_proj(x)))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, bias, sdpa):
        x = x.add(self.self_attn(self.input_layernorm(x), cos, sin, bias, sdpa))
        return x.add(self.mlp(self.post_attention_layernorm(x)))


class Backbone(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    """Llama / Qwen2 with Hugging Face parameter names (``model.layers.0.self_attn.q_proj.weight``)."""

    def __init__(self, cfg, sdpa=False, checkpointing=False):
        super().__init__()
        self.cfg = cfg
        self.sdpa = sdpa and hasattr(torch.nn.functional, "scaled_dot_product_attention")
        self.checkpointing = checkpointing
        self.model = Backbone(cfg)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        half = cfg.head_dim // 2
        inv = [_f32(1.0 / math.pow(cfg.rope_theta, (2.0 * i) / cfg.head_dim)) for i in range(half)]
        self.register_buffer("inv_freq", torch.tensor(inv, dtype=torch.float32), persistent=False)

    def forward(self, input_ids, attention_mask):
        b, t = input_ids.shape
        mask = attention_mask.long()
        positions = (mask.cumsum(1) - 1).clamp(min=0).float()
        freqs = positions.unsqueeze(-1).mul(self.inv_freq)
        cos = torch.cat([freqs, freqs], -1).cos().unsqueeze(1)
        sin_half = freqs.sin()
        sin = torch.cat([sin_half.neg(), sin_half], -1).unsqueeze(1)
        idx = torch.arange(t, device=input_ids.device)
        causal = (idx.reshape(1, t) <= idx.reshape(t, 1)).reshape(1, 1, 1, t, t)
        visible = causal & mask.eq(1).reshape(b, 1, 1, 1, t)
        bias = visible.float().sub(1.0).mul(-MASKED)
        x = self.model.embed_tokens(input_ids)
        dtype = self.model.norm.weight.dtype
        cos, sin, bias = cos.to(dtype), sin.to(dtype), bias.to(dtype)
        if self.sdpa and bool(mask.eq(1).all()):
            bias = None
        for layer in self.model.layers:
            if self.checkpointing and self.training:
                x = torch.utils.checkpoint.checkpoint(layer, x, cos, sin, bias, self.sdpa)
            else:
                x = layer(x, cos, sin, bias, self.sdpa)
        return self.lm_head(self.model.norm(x))

    def hf_state_dict(self):
        """Parameters under Hugging Face names; a tied head is written once (as the embedding)."""
        out = {}
        for name, p in self.named_parameters():
            if self.cfg.tie_word_embeddings and name == "lm_head.weight":
                continue
            out[name] = p
        return out


def init_weights(model, cfg, seed):
    """Hugging Face's init: N(0, initializer_range^2) for matrices, zero biases, unit norms."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.fill_(1.0)
            elif name.endswith(".bias"):
                p.zero_()
            else:
                p.normal_(0.0, cfg.initializer_range, generator=g)


class HfCausalLM(nn.Module):
    """``transformers`` model behind the same call: ``forward(ids, mask) -> logits``."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, input_ids, attention_mask):
        positions = (attention_mask.long().cumsum(1) - 1).clamp(min=0)
        return self.inner(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=positions
        ).logits.float()

    def hf_state_dict(self):
        tied = getattr(self.inner.config, "tie_word_embeddings", False)
        return {
            n: p
            for n, p in self.inner.named_parameters()
            if not (tied and n == "lm_head.weight")
        }


def transformers_available():
    try:
        import transformers  # noqa: F401

        return True
    except ImportError:
        return False


def build(checkpoint_dir, implementation="auto", sdpa=False, checkpointing=False):
    """The model of a checkpoint directory, float32 on CPU, with its weights loaded.

    ``implementation``: ``builtin`` (the module above), ``transformers``, or ``auto`` (transformers
    when installed, else built-in).
    """
    from . import safetensors_io

    cfg = ModelConfig.read(os.path.join(checkpoint_dir, "config.json"))
    if implementation == "auto":
        implementation = "transformers" if transformers_available() else "builtin"
    if implementation == "transformers":
        import transformers

        inner = transformers.AutoModelForCausalLM.from_pretrained(
            checkpoint_dir, torch_dtype=torch.float32
        )
        if checkpointing:
            inner.gradient_checkpointing_enable()
        return HfCausalLM(inner), cfg
    if implementation != "builtin":
        raise ValueError(f"model must be one of auto, builtin, transformers, was '{implementation}'")
    model = LlamaForCausalLM(cfg, sdpa=sdpa, checkpointing=checkpointing)
    weights_path = os.path.join(checkpoint_dir, "model.safetensors")
    if not os.path.exists(weights_path):
        weights_path = os.path.join(checkpoint_dir, "model.safetensors.index.json")
    weights, _ = safetensors_io.read(weights_path)
    load_hf_weights(model, weights)
    return model, cfg


def load_hf_weights(model, weights):
    """Copies named weights into the built-in model, naming every missing or misshapen tensor."""
    expected = model.hf_state_dict()
    problems = []
    for name, p in expected.items():
        w = weights.get(name)
        if w is None:
            problems.append(f"missing tensor {name} (expected shape {list(p.shape)})")
        elif list(w.shape) != list(p.shape):
            problems.append(f"tensor {name} has shape {list(w.shape)}, config implies {list(p.shape)}")
    for name in weights:
        if name not in expected and name != "lm_head.weight" and not name.endswith("inv_freq"):
            problems.append(f"unexpected tensor {name}")
    if problems:
        raise ValueError("weights do not match the config: " + "; ".join(problems[:5]))
    with torch.no_grad():
        for name, p in expected.items():
            p.copy_(weights[name].to(p.dtype))
