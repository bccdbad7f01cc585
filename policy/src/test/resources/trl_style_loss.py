"""Recomputes `grpo-policy loss` results in float64 PyTorch, written the way TRL's GRPOTrainer
computes its loss (coef_1 / coef_2, per_token_loss, the loss_type normalisations, the vLLM
importance-sampling modes), and compares. Usage: trl_style_loss.py cases.json results.json.
Differences from TRL kept on purpose, as documented in docs/algorithms.md: CISPO caps at
1 + eps_high (TRL: epsilon_high), and prob_gap_eps (prime-rl) has no TRL counterpart."""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
EPS = 1e-4


def T(x, **kw):
    return torch.tensor(x, dtype=torch.float64, **kw)


def std(x):
    return x.std() if x.numel() > 1 else torch.zeros(())


def advantages(c, b, g):
    comps = c.get("reward_components")
    rewards = T(c["rewards"]) if c.get("rewards") is not None else T(comps).sum(-1)
    variant = c.get("loss_type", "grpo")
    scale = c.get("scale") or ("none" if variant == "dr_grpo" else "group")
    if c.get("reward_aggregation") == "normalize_then_sum":
        k = T(comps).view(-1, g, len(comps[0]))
        w = T(c.get("reward_weights") or [1.0] * k.shape[-1])
        mean = k.mean(1, keepdim=True)
        sd = k.std(1, keepdim=True)
        normed = torch.where(sd == 0, torch.zeros_like(k), (k - mean) / (sd + EPS))
        rewards = (normed * w).sum(-1).view(-1)
    grouped = rewards.view(-1, g)
    centred = grouped - grouped.mean(1, keepdim=True)
    constant = (grouped == grouped[:, :1]).all(1, keepdim=True)
    if scale == "group":
        adv = centred / (grouped.std(1, keepdim=True) + EPS)
    elif scale == "batch":
        adv = centred / (std(rewards) + EPS)
    else:
        adv = centred
    return torch.where(constant, torch.zeros_like(adv), adv).view(-1).float().double()


def loss_of(c, res):
    mask = T(c["mask"])
    b, t = mask.shape
    g = c.get("G", b)
    logp = T(c["logp"], requires_grad=True)
    old = T(c["old_logp"]) if c.get("old_logp") is not None else logp.detach().clone()
    beh = T(c["behaviour_logp"]) if c.get("behaviour_logp") is not None else None
    adv = advantages(c, b, g).unsqueeze(1)
    loss_type = c.get("loss_type", "grpo")
    eps_low = c.get("eps_low", 0.2)
    eps_high = c.get("eps_high", eps_low)
    max_len = c.get("max_completion_length", t)
    if c.get("mask_truncated"):
        trunc = T(c["truncated"]) if c.get("truncated") is not None else (mask.sum(1) >= max_len).double()
        mask = mask * (1 - trunc).unsqueeze(1)

    log_ratio = logp - old
    if c.get("importance_sampling_level", "token") == "sequence":
        log_w = (log_ratio * mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1.0)
    else:
        log_w = log_ratio
    coef_1 = torch.exp(log_w)
    if loss_type == "cispo":
        per_token_loss = -torch.clamp(coef_1, max=1 + eps_high).detach() * adv * logp
    elif loss_type == "sapo":
        tau = torch.where(adv > 0, T(c.get("tau_pos", 1.0)), T(c.get("tau_neg", 1.05)))
        per_token_loss = -torch.sigmoid(tau * (coef_1 - 1)) * 4 / tau * adv
    else:
        coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
        if c.get("delta"):
            coef_1 = torch.clamp(coef_1, max=c["delta"])
        per_token_loss = -torch.min(coef_1 * adv, coef_2 * adv)

    mode = c.get("correction") or ("token_truncate" if c.get("tis_cap") is not None else "none")
    if mode != "none" and beh is not None:
        cap = c.get("tis_cap") or 2.0
        diff = (old - beh) * mask
        if mode.startswith("sequence"):
            diff = diff.sum(-1, keepdim=True)
        ratio = torch.exp(diff)
        ratio = torch.clamp(ratio, max=cap) if mode.endswith("truncate") else ratio.masked_fill(ratio > cap, 0.0)
        per_token_loss = per_token_loss * ratio
    if c.get("prob_gap_eps"):
        b_lp = beh if beh is not None else old
        per_token_loss = per_token_loss * ((logp.detach().exp() - b_lp.exp()).abs() <= c["prob_gap_eps"]).double()
    if c.get("beta", 0) > 0:
        ref = T(c["ref_logp"])
        per_token_loss = per_token_loss + c["beta"] * (torch.exp(ref - logp) - (ref - logp) - 1)

    variant = {"cispo": "dapo", "sapo": "grpo"}.get(loss_type, loss_type)
    if variant == "grpo":
        loss = ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif variant in ("bnpo", "dapo"):
        loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    else:
        loss = (per_token_loss * mask).sum() / (b * max_len)
    loss.backward()
    return loss.item(), logp.grad


def main():
    cases = json.load(open(sys.argv[1]))
    results = json.load(open(sys.argv[2]))
    bad = 0
    for n, (c, r) in enumerate(zip(cases, results)):
        loss, grad = loss_of(c, r)
        got = T(r["grad"])
        if abs(loss - r["loss"]) > 1e-5 * max(1.0, abs(loss)):
            print(f"case {n}: loss {r['loss']} vs torch {loss}")
            bad += 1
        err = (got - grad).abs() - torch.clamp(1e-5 * grad.abs(), min=1e-7)
        if (err > 0).any():
            print(f"case {n}: grad {got.tolist()} vs torch {grad.tolist()}")
            bad += 1
    print(f"{len(cases)} cases, {bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
