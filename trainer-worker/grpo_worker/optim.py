"""AdamW with global gradient-norm clipping and warmup + constant/cosine schedule, operation by
operation as the Java ``AdamW`` (policy/.../train/AdamW.java), whose state files it reads and writes
(``optimizer.safetensors`` with ``exp_avg.<name>`` / ``exp_avg_sq.<name>``, ``optimizer.json``), so
checkpoints move between the embedded and the torch backend.
"""

import json
import math
import struct

import torch

FORMAT = "grpo-adamw-v1"
STATE_TENSORS_FILE = "optimizer.safetensors"
STATE_JSON_FILE = "optimizer.json"


def f32(x):
    """x rounded to float32, as Java's ``(float)`` cast does."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


class AdamWSettings:
    def __init__(self, d):
        self.raw = dict(d)
        self.learning_rate = float(d["learningRate"])
        self.beta1 = float(d.get("beta1", 0.9))
        self.beta2 = float(d.get("beta2", 0.99))
        self.epsilon = float(d.get("epsilon", 1e-8))
        self.weight_decay = float(d.get("weightDecay", 0.0))
        self.max_grad_norm = float(d.get("maxGradNorm", 1.0))
        self.warmup_steps = int(d.get("warmupSteps", 0))
        self.schedule = str(d.get("schedule", "CONSTANT")).upper()
        self.total_steps = int(d.get("totalSteps", 0))
        self.min_lr_ratio = float(d.get("minLrRatio", 0.0))
        if not self.learning_rate > 0:
            raise ValueError(f"optimizer.learningRate must be > 0, was {self.learning_rate}")
        if self.schedule not in ("CONSTANT", "COSINE"):
            raise ValueError(f"optimizer.schedule must be CONSTANT or COSINE, was {self.schedule}")

    def learning_rate_at(self, step):
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        if self.schedule == "CONSTANT":
            return self.learning_rate
        progress = min(1.0, (step - self.warmup_steps) / (self.total_steps - self.warmup_steps))
        floor = self.learning_rate * self.min_lr_ratio
        return floor + (self.learning_rate - floor) * 0.5 * (1 + math.cos(math.pi * progress))


class AdamW:
    """Over named parameters (a tied head counts once: it is the embedding)."""

    def __init__(self, named_params, settings):
        self.params = dict(named_params)
        self.settings = settings
        self.exp_avg = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.exp_avg_sq = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.step_count = 0

    def zero_grad(self):
        for p in self.params.values():
            p.grad = None

    @torch.no_grad()
    def step(self):
        """Returns (grad_norm, learning_rate, skipped)."""
        s = self.settings
        lr = s.learning_rate_at(self.step_count)
        grads = {n: p.grad for n, p in self.params.items() if p.grad is not None}
        if not grads:
            return 0.0, lr, True
        # Squares summed per tensor in float32, then across tensors in float64, as the Java side.
        norm = math.sqrt(
            torch.stack([g.square().sum().double() for g in grads.values()]).sum().item()
        )
        if not math.isfinite(norm):
            return norm, lr, True
        coef = min(1.0, s.max_grad_norm / (norm + 1e-6)) if s.max_grad_norm > 0 else 1.0
        t = self.step_count + 1
        bc1 = 1 - math.pow(s.beta1, t)
        bc2_sqrt = math.sqrt(1 - math.pow(s.beta2, t))
        b1, b2 = f32(s.beta1), f32(s.beta2)
        one_b1, one_b2 = f32(1.0 - b1), f32(1.0 - b2)
        for name, g in grads.items():
            if coef < 1.0:
                g = g.mul(f32(coef))
            p, m, v = self.params[name], self.exp_avg[name], self.exp_avg_sq[name]
            m.mul_(b1).add_(g.mul(one_b1))
            v.mul_(b2).add_(g.square().mul_(one_b2))
            if s.weight_decay > 0 and p.dim() >= 2:
                p.mul_(f32(1 - lr * s.weight_decay))
            denom = v.sqrt().div_(f32(bc2_sqrt)).add_(f32(s.epsilon))
            p.sub_(m.div(denom).mul_(f32(lr / bc1)))
        self.step_count += 1
        return norm, lr, False

    def state_tensors(self):
        out = {}
        for name in self.params:
            out["exp_avg." + name] = self.exp_avg[name]
            out["exp_avg_sq." + name] = self.exp_avg_sq[name]
        return out

    def write(self, directory):
        from . import safetensors_io

        safetensors_io.write(
            f"{directory}/{STATE_TENSORS_FILE}",
            self.state_tensors(),
            {"optimizer_format": FORMAT, "step": str(self.step_count)},
        )
        with open(f"{directory}/{STATE_JSON_FILE}", "w", encoding="utf-8") as f:
            json.dump(
                {
                    "format": FORMAT,
                    "step": self.step_count,
                    "config": self.settings.raw,
                    "parameters": list(self.params),
                },
                f,
                indent=2,
            )

    @torch.no_grad()
    def load(self, directory):
        from . import safetensors_io

        path = f"{directory}/{STATE_JSON_FILE}"
        with open(path, "r", encoding="utf-8") as f:
            state = json.load(f)
        if state.get("format") != FORMAT:
            raise ValueError(f"{path}: format must be {FORMAT}, was {state.get('format')}")
        tensors, _ = safetensors_io.read(f"{directory}/{STATE_TENSORS_FILE}")
        for name, p in self.params.items():
            for key, target in (("exp_avg." + name, self.exp_avg), ("exp_avg_sq." + name, self.exp_avg_sq)):
                t = tensors.get(key)
                if t is None:
                    raise ValueError(f"{directory}/{STATE_TENSORS_FILE}: tensor {key} is missing")
                if list(t.shape) != list(p.shape):
                    raise ValueError(
                        f"{directory}/{STATE_TENSORS_FILE}: tensor {key} must have shape "
                        f"{list(p.shape)}, was {list(t.shape)}"
                    )
                target[name].copy_(t.to(p.device, p.dtype))
        self.step_count = int(state["step"])
