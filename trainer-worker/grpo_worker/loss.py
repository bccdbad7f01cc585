"""The GRPO loss, term for term as the Java ``GrpoLoss`` (policy/.../train/GrpoLoss.java).

Per token ``r = exp(logp - old)``, ``term = w * min(r A, clip(r, 1 - eps_low, 1 + eps_high) A) -
beta * k3`` with ``k3 = exp(ref - logp) - (ref - logp) - 1`` and, with truncated importance sampling,
``w = min(exp(old - behaviour), C)``. The loss is minus the aggregate of the masked terms; each
aggregation (``AGGREGATIONS``) takes this micro-batch's share of the whole-batch loss from the
``BatchTotals``. New options (another variant, another per-token term) go in as one more entry in
``AGGREGATIONS`` or one more step in ``per_token_terms``, with the Java side changed alike.
"""

from dataclasses import dataclass

import torch

STD_EPS = 1e-4


@dataclass(frozen=True)
class LossSettings:
    variant: str = "grpo"
    eps_low: float = 0.2
    eps_high: float = 0.2
    beta: float = 0.0
    tis_cap: float = 0.0

    @staticmethod
    def from_json(d):
        s = LossSettings(
            variant=str(d.get("variant", "grpo")).lower().replace("-", "_"),
            eps_low=float(d.get("epsLow", 0.2)),
            eps_high=float(d.get("epsHigh", 0.2)),
            beta=float(d.get("beta", 0.0)),
            tis_cap=float(d.get("tisCap", 0.0)),
        )
        if s.variant not in AGGREGATIONS:
            raise ValueError(
                f"loss.variant must be one of {', '.join(AGGREGATIONS)}, was '{d.get('variant')}'"
            )
        if not 0 <= s.eps_low < 1:
            raise ValueError(f"loss.epsLow must be in [0, 1), was {s.eps_low}")
        if not s.eps_high >= 0:
            raise ValueError(f"loss.epsHigh must be >= 0, was {s.eps_high}")
        if not s.beta >= 0:
            raise ValueError(f"loss.beta must be >= 0, was {s.beta}")
        if not s.tis_cap >= 0:
            raise ValueError(f"loss.tisCap must be >= 0 (0 = off), was {s.tis_cap}")
        return s


@dataclass(frozen=True)
class BatchTotals:
    """Sizes of the whole accumulated batch (the Java ``BatchTotals``)."""

    sequences: int
    active_tokens: int
    max_completion_length: int
    micro_batches: int


@dataclass
class LossResult:
    loss: torch.Tensor
    active: int
    kl_sum: float
    clip_low: int
    clip_high: int


def group_advantages(rewards, scale_by_std):
    """The Java ``GroupAdvantages``: unbiased std, eps 1e-4; a constant group gives exact zeros."""
    if len(rewards) < 2:
        raise ValueError(f"rewards must hold at least 2 values (a group), was {len(rewards)}")
    if all(r == rewards[0] for r in rewards):
        return [0.0] * len(rewards)
    mean = sum(rewards) / len(rewards)
    std = (sum((r - mean) * (r - mean) for r in rewards) / (len(rewards) - 1)) ** 0.5
    return [(r - mean) / (std + STD_EPS) if scale_by_std else r - mean for r in rewards]


def reward_std(rewards):
    if len(rewards) < 2:
        return 0.0
    mean = sum(rewards) / len(rewards)
    return (sum((r - mean) * (r - mean) for r in rewards) / (len(rewards) - 1)) ** 0.5


def _grpo(masked, tokens_per_seq, active, totals):
    return masked.sum(1).div(tokens_per_seq.clamp(min=1.0)).sum().div(float(totals.sequences))


def _bnpo(masked, tokens_per_seq, active, totals):
    return masked.sum().div(float(max(1, active))).div(float(totals.micro_batches))


def _dapo(masked, tokens_per_seq, active, totals):
    return masked.sum().div(float(max(1, totals.active_tokens)))


def _dr_grpo(masked, tokens_per_seq, active, totals):
    return masked.sum().div(float(totals.sequences * totals.max_completion_length))


AGGREGATIONS = {"grpo": _grpo, "bnpo": _bnpo, "dapo": _dapo, "dr_grpo": _dr_grpo}


def per_token_terms(logp, old, ref, behaviour, adv, settings):
    """Per-token objective terms [B, T] (before masking) and the detached k3 (or None)."""
    ratio = (logp - old).exp()
    clipped = ratio.clamp(1.0 - settings.eps_low, 1.0 + settings.eps_high)
    term = torch.minimum(ratio.mul(adv), clipped.mul(adv))
    if settings.tis_cap > 0 and behaviour is not None:
        w = (old - behaviour).exp().clamp(max=settings.tis_cap)
        term = term.mul(w)
    k3 = None
    if ref is not None:
        d = ref - logp
        k3 = d.exp().sub(d).sub(1.0)
        if settings.beta > 0:
            term = term.sub(k3.mul(settings.beta))
    return term, ratio, k3


def compute(logp, old, ref, behaviour, advantages, mask, settings, totals):
    """This micro-batch's share of the whole-batch loss; ``old``/``ref``/``behaviour`` are constants."""
    if settings.beta > 0 and ref is None:
        raise ValueError(f"refLogp must be given when beta > 0, beta was {settings.beta}")
    mask = mask.float()
    old = old.detach()
    ref = None if ref is None else ref.detach()
    behaviour = None if behaviour is None else behaviour.detach()
    adv = advantages.float().unsqueeze(1)
    term, ratio, k3 = per_token_terms(logp, old, ref, behaviour, adv, settings)
    kl_sum = 0.0 if k3 is None else k3.detach().mul(mask).sum().item()
    masked = term.mul(mask)
    tokens_per_seq = mask.sum(1)
    active = int(round(tokens_per_seq.sum().item()))
    loss = AGGREGATIONS[settings.variant](masked, tokens_per_seq, active, totals).neg()
    r = ratio.detach()
    low = ((adv < 0) & (r < _f32(1.0 - settings.eps_low))).float().mul(mask).sum().item()
    high = ((adv > 0) & (r > _f32(1.0 + settings.eps_high))).float().mul(mask).sum().item()
    return LossResult(loss, active, kl_sum, int(round(low)), int(round(high)))


def _f32(x):
    return torch.tensor(x, dtype=torch.float64).float().item()
