"""GPU check of the torch backend, for a machine with a GPU, Python >= 3.11 and torch 2.x, no JDK.

    python3 trainer-worker/gpu/bench.py            # the full check, < 10 min on one H200
    python3 trainer-worker/gpu/bench.py --smoke    # a tiny CPU run of the same code (no FSDP)

1. Throughput: a Qwen2-0.5B-shaped model (random init from its Hugging Face config; transformers'
   Qwen2ForCausalLM when installed, else the worker's built-in module with SDPA) trains GRPO steps of
   G = 16 completions x 8 prompts x 1,024 tokens (256 prompt + 768 completion tokens) in bf16:
   (a) FSDP (FullyShardedDataParallel, bf16 MixedPrecision, world size 1) and (b) plain eager with
   bf16 autocast and no FSDP. Reports tokens/s, MFU against 989 TFLOP/s (dense bf16 peak of an
   H100/H200 SXM) and peak memory for each.
   Model FLOPs per token = 6 x (matmul parameters, lm_head included) + 12 x layers x hidden x T
   (attention scores and values, forward + backward, PaLM's convention).
2. Parity: one GRPO step of a small model through the worker's own code (trainer.py, loss.py,
   optim.py) on the GPU in float32 against the same step on the CPU: loss, gradient norm, max
   parameter difference.
Results are printed and written as JSON (--out, default gpu-bench.json).
"""

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

from grpo_worker import loss as wl  # noqa: E402
from grpo_worker import model as wm  # noqa: E402
from grpo_worker import safetensors_io  # noqa: E402
from grpo_worker import trainer as wt  # noqa: E402

PEAK_FLOPS = 989e12
QWEN2_05B = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936,
    "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
    "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
    "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": True,
    "initializer_range": 0.02, "hidden_act": "silu", "torch_dtype": "bfloat16",
}
SMOKE = dict(QWEN2_05B, vocab_size=512, hidden_size=64, intermediate_size=128,
             num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)


def build_model(raw, device, sdpa=True, checkpointing=False):
    if wm.transformers_available():
        import transformers

        cfg = transformers.Qwen2Config(**{k: v for k, v in raw.items() if k != "architectures"})
        cfg._attn_implementation = "sdpa"
        inner = transformers.Qwen2ForCausalLM(cfg)
        if checkpointing:
            inner.gradient_checkpointing_enable()
        return wm.HfCausalLM(inner).to(device), "transformers.Qwen2ForCausalLM"
    cfg = wm.ModelConfig(raw)
    m = wm.LlamaForCausalLM(cfg, sdpa=sdpa, checkpointing=checkpointing)
    wm.init_weights(m, cfg, 0)
    return m.to(device), "built-in (sdpa)"


def flops_per_token(raw, seq):
    h, i, layers, v = raw["hidden_size"], raw["intermediate_size"], raw["num_hidden_layers"], raw["vocab_size"]
    kv = raw["num_key_value_heads"] * (h // raw["num_attention_heads"])
    per_layer = h * h + 2 * h * kv + h * h + 3 * h * i
    matmul_params = layers * per_layer + h * v
    return 6 * matmul_params + 12 * layers * h * seq, matmul_params


def grpo_batch(args, vocab, device, gen):
    n = args.groups * args.group_size
    ids = torch.randint(0, vocab, (n, args.seq), generator=gen).to(device)
    mask = torch.ones_like(ids)
    rewards = torch.randint(0, 2, (args.groups, args.group_size), generator=gen).double()
    adv = []
    for g in rewards.tolist():
        adv += wl.group_advantages(g, True)
    return ids, mask, torch.tensor(adv, dtype=torch.float32, device=device)


def train_steps(model, optimizer, args, vocab, device, autocast):
    """args.steps timed GRPO steps (after one warmup step); returns (seconds per step, loss)."""
    gen = torch.Generator().manual_seed(0)
    ids, mask, adv = grpo_batch(args, vocab, device, gen)
    n, p = ids.shape[0], args.prompt
    settings = wl.LossSettings(variant="grpo", eps_low=0.2, eps_high=0.28)
    totals = wl.BatchTotals(n, n * (args.seq - p), args.seq - p, math.ceil(n / args.micro_batch))
    times, last = [], None
    for step in range(args.steps + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        for s in range(0, n, args.micro_batch):
            sl = slice(s, s + args.micro_batch)
            ctx = torch.autocast(device.type, dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
            with ctx:
                logits = model(ids[sl], mask[sl])
            logp = logits[:, p - 1 : -1].float().log_softmax(-1).gather(2, ids[sl, p:].unsqueeze(2)).squeeze(2)
            cmask = torch.ones_like(logp)
            res = wl.compute(logp, logp.detach(), None, None, adv[sl], cmask, settings, totals)
            res.loss.backward()
            last = res.loss.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step > 0:
            times.append(time.perf_counter() - t0)
    return sum(times) / len(times), last


def throughput(args, raw, device, fsdp):
    torch.manual_seed(0)
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model, impl = build_model(raw, device, checkpointing=args.checkpointing)
    label = "eager + bf16 autocast"
    autocast = True
    if fsdp:
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        from torch.distributed.fsdp import MixedPrecision

        mp = MixedPrecision(param_dtype=torch.bfloat16, reduce_dtype=torch.float32,
                            buffer_dtype=torch.float32)
        model = FSDP(model, mixed_precision=mp, use_orig_params=True, device_id=device)
        label, autocast = "FSDP bf16 (MixedPrecision)", False
    extra = {"fused": True} if device.type == "cuda" else {}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-6, betas=(0.9, 0.99), **extra)
    sec, loss = train_steps(model, opt, args, raw["vocab_size"], device, autocast)
    tokens = args.groups * args.group_size * args.seq
    fpt, params = flops_per_token(raw, args.seq)
    out = {
        "mode": label, "model": impl, "matmulParams": params, "tokensPerStep": tokens,
        "secondsPerStep": sec, "tokensPerSecond": tokens / sec,
        "mfu": fpt * tokens / sec / PEAK_FLOPS if device.type == "cuda" else None,
        "peakMemoryGiB": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None,
        "loss": loss,
    }
    del model, opt
    return out


def parity(device):
    """One step of the worker's own trainer on a small model: device vs CPU, float32."""
    raw = dict(SMOKE, vocab_size=97, num_hidden_layers=2, tie_word_embeddings=False)
    tmp = tempfile.mkdtemp(prefix="grpo-gpu-parity-")
    cfg = wm.ModelConfig(raw)
    m = wm.LlamaForCausalLM(cfg)
    wm.init_weights(m, cfg, 3)
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(raw, f)
    safetensors_io.write(os.path.join(tmp, "model.safetensors"), m.hf_state_dict())
    import random

    rnd = random.Random(5)
    groups = [([rnd.randrange(97) for _ in range(rnd.randint(3, 12))],
               [([rnd.randrange(97) for _ in range(rnd.randint(1, 40))], None, float(rnd.randint(0, 3)))
                for _ in range(8)]) for _ in range(4)]
    header = {"checkpointDir": tmp, "model": "builtin", "config": {
        "loss": {"variant": "dapo", "epsLow": 0.2, "epsHigh": 0.28, "beta": 0.04, "tisCap": 2.0},
        "mu": 2, "microBatchSize": 8, "temperature": 1.0,
        "optimizer": {"learningRate": 1e-3, "weightDecay": 0.01, "maxGradNorm": 1.0}}}
    results = {}
    for dev in ("cpu", device.type):
        t = wt.GrpoWorkerTrainer(wt.Rank(), dict(header, device=dev))
        metrics = t.step(groups)
        results[dev] = (metrics, {n: p.detach().cpu() for n, p in t.named.items()})
    (mc, pc), (mg, pg) = results["cpu"], results[device.type]
    return {
        "device": device.type, "lossCpu": mc["loss"], "lossDevice": mg["loss"],
        "lossRelDiff": abs(mc["loss"] - mg["loss"]) / max(1e-12, abs(mc["loss"])),
        "gradNormRelDiff": abs(mc["gradNorm"] - mg["gradNorm"]) / max(1e-12, mc["gradNorm"]),
        "maxParamDiff": max((pc[n] - pg[n]).abs().max().item() for n in pc),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="tiny model on CPU, no FSDP (a code check)")
    ap.add_argument("--groups", type=int, default=8)
    ap.add_argument("--group-size", type=int, default=16)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--prompt", type=int, default=256)
    ap.add_argument("--micro-batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--checkpointing", action="store_true")
    ap.add_argument("--out", default="gpu-bench.json")
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() and not args.smoke else "cpu")
    raw = QWEN2_05B
    if args.smoke:
        raw, args.groups, args.group_size, args.seq, args.prompt, args.micro_batch, args.steps = (
            SMOKE, 2, 4, 64, 16, 4, 1)
    report = {"torch": torch.__version__, "python": sys.version.split()[0],
              "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None,
              "batch": f"G={args.group_size} x {args.groups} prompts x {args.seq} tokens", "runs": []}
    if device.type == "cuda":
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29531")
        torch.distributed.init_process_group("nccl", rank=0, world_size=1)
        torch.backends.cuda.matmul.allow_tf32 = True
        report["runs"].append(throughput(args, raw, device, fsdp=True))
        print(json.dumps(report["runs"][-1]), flush=True)
    report["runs"].append(throughput(args, raw, device, fsdp=False))
    print(json.dumps(report["runs"][-1]), flush=True)
    report["parity"] = parity(device)
    print(json.dumps(report["parity"]), flush=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
