"""PyTorch-eager twin of dev.grpo.bench.policy.SamplingBench: same model shapes, same KV-cache
sampling loop (prefill, then one token per step, softmax + multinomial on the last position).
Usage: /usr/bin/python3 sampling_bench.py <small|medium> <batch> <promptLen> <newTokens> <threads> [reps]
(reps timed runs after one warm-up, default 3)."""
import math, resource, sys, time
import os
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fair_blas import require_openblas  # noqa: E402

CFG = {"small": dict(V=256, H=128, I=384, L=4, NH=4, KV=2), "medium": dict(V=8192, H=512, I=1408, L=8, NH=8, KV=4)}

def main():
    size, B, P, N, threads = sys.argv[1], *map(int, sys.argv[2:6])
    reps = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    torch.set_num_threads(threads)
    blas = require_openblas(threads)
    c = CFG[size]; V, H, I, L, NH, KV = c["V"], c["H"], c["I"], c["L"], c["NH"], c["KV"]; D = H // NH
    g = torch.Generator().manual_seed(1)
    r = lambda *s: torch.randn(*s, generator=g) * 0.02
    W = dict(emb=r(V, H), head=r(V, H), norm=torch.ones(H), layers=[dict(q=r(H, H), k=r(KV*D, H), v=r(KV*D, H), o=r(H, H),
             gate=r(I, H), up=r(I, H), down=r(H, I), n1=torch.ones(H), n2=torch.ones(H)) for _ in range(L)])
    params = sum(t.numel() for t in [W["emb"], W["head"], W["norm"]]) + sum(t.numel() for l in W["layers"] for t in l.values())
    inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
    rms = lambda x, w: w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
    rot = lambda x: torch.cat((-x[..., D//2:], x[..., :D//2]), -1)

    def fwd(ids, cache, past):
        Bn, T = ids.shape
        pos = torch.arange(past, past + T).float()
        emb = torch.cat([torch.outer(pos, inv)] * 2, -1); cos, sin = emb.cos(), emb.sin()
        x = W["emb"][ids]
        mask = torch.full((T, past + T), float("-inf")).triu(past + 1)
        for i, l in enumerate(W["layers"]):
            h = rms(x, l["n1"])
            q = (h @ l["q"].T).view(Bn, T, NH, D).transpose(1, 2); k = (h @ l["k"].T).view(Bn, T, KV, D).transpose(1, 2)
            v = (h @ l["v"].T).view(Bn, T, KV, D).transpose(1, 2)
            q = q * cos + rot(q) * sin; k = k * cos + rot(k) * sin
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], 2); v = torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
            k = k.repeat_interleave(NH // KV, 1); v = v.repeat_interleave(NH // KV, 1)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D) + mask, -1)
            x = x + (a @ v).transpose(1, 2).reshape(Bn, T, H) @ l["o"].T
            h = rms(x, l["n2"]); gt = h @ l["gate"].T
            x = x + (torch.nn.functional.silu(gt) * (h @ l["up"].T)) @ l["down"].T
        return rms(x[:, -1], W["norm"]) @ W["head"].T

    def generate():
        ids = torch.tensor([[3 + (b * 7 + i * 13) % (V - 3) for i in range(P)] for b in range(B)])
        cache = [None] * L; past = 0; n = 0
        with torch.no_grad():
            logits = fwd(ids, cache, 0); past = P
            for s in range(N):
                tok = torch.multinomial(torch.softmax(logits, -1), 1); n += B
                logits.log_softmax(-1).gather(1, tok)
                if s + 1 < N:
                    logits = fwd(tok, cache, past); past += 1
        return n

    generate()
    t0 = time.perf_counter(); tokens = sum(generate() for _ in range(reps)); secs = time.perf_counter() - t0
    print(f"torch blas={'/'.join(blas.split('/')[-2:])} size={size} params={params} batch={B} prompt={P} new={N} threads={threads} reps={reps} tokens/s={tokens/secs:.1f} s/call={secs/reps:.2f} "
          f"peakRssMiB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")

main()
