"""PyTorch eager twin of TrainingBench.java: same Llama shapes, GRPO loss (mu=1, token mean per
sequence), backward, clip_grad_norm_(1.0), torch.optim.AdamW(lr 1e-5, betas (0.9, 0.99), wd 0.01).
Usage: DJL-independent; /usr/bin/python3 training_bench.py <small|medium> <seqs> <promptLen> <completionLen> <threads> <steps>"""
import math, resource, sys, time
import os
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fair_blas import require_openblas  # noqa: E402

CFG = {"small": dict(V=256, H=128, I=384, L=4, NH=4, KV=2), "medium": dict(V=8192, H=512, I=1408, L=8, NH=8, KV=4)}


class Llama(torch.nn.Module):
    def __init__(self, V, H, I, L, NH, KV, theta=10000.0, eps=1e-6):
        super().__init__()
        self.H, self.NH, self.KV, self.D, self.eps = H, NH, KV, H // NH, eps
        self.embed = torch.nn.Embedding(V, H)
        self.layers = torch.nn.ModuleList()
        for _ in range(L):
            m = torch.nn.Module()
            m.ln1 = torch.nn.Parameter(torch.ones(H)); m.ln2 = torch.nn.Parameter(torch.ones(H))
            m.q = torch.nn.Linear(H, H, bias=False); m.k = torch.nn.Linear(H, KV * self.D, bias=False)
            m.v = torch.nn.Linear(H, KV * self.D, bias=False); m.o = torch.nn.Linear(H, H, bias=False)
            m.gate = torch.nn.Linear(H, I, bias=False); m.up = torch.nn.Linear(H, I, bias=False)
            m.down = torch.nn.Linear(I, H, bias=False)
            self.layers.append(m)
        self.norm = torch.nn.Parameter(torch.ones(H))
        self.head = torch.nn.Linear(H, V, bias=False)
        self.register_buffer("inv", 1.0 / theta ** (torch.arange(0, self.D, 2).float() / self.D), persistent=False)
        for p in self.parameters():
            if p.dim() >= 2:
                torch.nn.init.normal_(p, std=0.02)

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def forward(self, ids, mask):
        B, T = ids.shape
        pos = (mask.cumsum(1) - 1).clamp(min=0).float()
        f = pos[..., None] * self.inv
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        bias = (~(causal[None, None] & mask.bool()[:, None, None, :])).float() * -1e9
        x = self.embed(ids)
        G = self.NH // self.KV

        def rope(t):
            t1, t2 = t[..., : self.D // 2], t[..., self.D // 2:]
            return t * cos + torch.cat([-t2, t1], -1) * sin

        for m in self.layers:
            h = self.rms(x, m.ln1)
            q = rope(m.q(h).view(B, T, self.NH, self.D).transpose(1, 2))
            k = rope(m.k(h).view(B, T, self.KV, self.D).transpose(1, 2))
            v = m.v(h).view(B, T, self.KV, self.D).transpose(1, 2)
            k = k.repeat_interleave(G, 1); v = v.repeat_interleave(G, 1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.D) + bias, -1)
            x = x + m.o((att @ v).transpose(1, 2).reshape(B, T, self.H))
            h = self.rms(x, m.ln2)
            g = m.gate(h)
            x = x + m.down(g * torch.sigmoid(g) * m.up(h))
        return self.head(self.rms(x, self.norm))


def main():
    size, seqs, P, C, threads, steps = sys.argv[1], *map(int, sys.argv[2:7])
    torch.set_num_threads(threads)
    blas = require_openblas(threads)
    torch.manual_seed(1)
    cfg = CFG[size]
    model = Llama(**cfg)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-5, betas=(0.9, 0.99), eps=1e-8)
    V = cfg["V"]
    ids = torch.tensor([[3 + ((b // 8) * 7 + i * 13) % (V - 3) for i in range(P)] +
                        [3 + ((b // 8) * 31 + (b % 8) * 17 + i * 11) % (V - 3) for i in range(C)] for b in range(seqs)])
    mask = torch.ones_like(ids)
    rewards = torch.tensor([float(b % 2) for b in range(seqs)]).view(-1, 8)
    adv = ((rewards - rewards.mean(1, keepdim=True)) / (rewards.std(1, keepdim=True) + 1e-4)).view(-1, 1)

    split = [0.0, 0.0]  # forward+backward, clipping+optimizer

    def step():
        t = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        logits = model(ids, mask)[:, P - 1:P - 1 + C]
        logp = torch.log_softmax(logits, -1).gather(2, ids[:, P:, None]).squeeze(2)
        ratio = torch.exp(logp - logp.detach())
        term = torch.minimum(ratio * adv, ratio.clamp(0.8, 1.2) * adv)
        loss = -(term.mean(1)).mean()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        split[0] += t2 - t; split[1] += time.perf_counter() - t2
        return loss.item()

    for _ in range(2):
        step()
    split[0] = split[1] = 0.0
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    secs = time.perf_counter() - t0
    n = sum(p.numel() for p in model.parameters())
    print("torch blas=%s size=%s params=%d seqs=%d prompt=%d completion=%d threads=%d step_s=%.3f tokens/s=%.1f peakRssMiB=%d loss=%.5f fwdBwd_s=%.3f optimizer_s=%.3f"
          % ("/".join(blas.split("/")[-2:]), size, n, seqs, P, C, threads, secs / steps, steps * seqs * (P + C) / secs,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, loss, split[0] / steps, split[1] / steps))
    trace = os.environ.get("PROFILE_TRACE")
    if trace:
        # One more step under the autograd profiler, the twin of TrainingBench's -Dprofile.trace.
        t = time.perf_counter()
        with torch.autograd.profiler.profile() as prof:
            step()
        print("profiled step wall_s=%.3f trace=%s" % (time.perf_counter() - t, trace))
        prof.export_chrome_trace(trace)


if __name__ == "__main__":
    main()
