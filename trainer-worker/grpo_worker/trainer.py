"""One GRPO step over N ranks, as the Java ``GrpoTrainer`` computes it on one.

The batch is flattened into rows (group order, completion order) and cut into global micro-batches
of ``microBatchSize`` rows; micro-batch k runs on rank ``k % world``. Each micro-batch's loss is its
share of the whole-batch loss (``BatchTotals``), so the gradient summed over all micro-batches of
all ranks is the whole-batch gradient whatever the number of ranks. With N > 1 ranks the model is
wrapped in ``DistributedDataParallel``: accumulation under ``no_sync`` and one all-reduce on the
last micro-batch slot; a rank with fewer real micro-batches runs a zero-loss pass so every rank
makes the same number of backward calls. DDP averages gradients, so each rank's loss is scaled by
N (exact in binary for N a power of two; otherwise exact to rounding).
"""

import contextlib
import json
import math
import os
import time

import torch
import torch.distributed as dist

from . import loss as grpo_loss
from . import model as grpo_model
from . import optim as grpo_optim
from . import safetensors_io

TRAINER_FORMAT = "grpo-trainer-v1"
TRAINER_STATE_FILE = "trainer_state.json"


class TrainerSettings:
    def __init__(self, d):
        self.raw = dict(d)
        self.loss = grpo_loss.LossSettings.from_json(d.get("loss", {}))
        self.mu = int(d.get("mu", 1))
        self.micro_batch_size = int(d.get("microBatchSize", 8))
        self.temperature = float(d.get("temperature", 1.0))
        self.max_completion_length = int(d.get("maxCompletionLength", 0))
        self.optimizer = grpo_optim.AdamWSettings(d.get("optimizer", {"learningRate": 1e-5}))
        if self.mu < 1:
            raise ValueError(f"mu must be >= 1, was {self.mu}")
        if self.micro_batch_size < 1:
            raise ValueError(f"microBatchSize must be >= 1, was {self.micro_batch_size}")
        if not (self.temperature > 0 and math.isfinite(self.temperature)):
            raise ValueError(f"temperature must be finite and > 0, was {self.temperature}")


class Pack:
    """Left-padded prompts, right-padded completions (the Java ``TokenLogProbs.pack``)."""

    def __init__(self, prompts, completions, device, pad_id=0):
        b = len(prompts)
        p = max(len(x) for x in prompts)
        l = max(len(x) for x in completions)
        ids = torch.full((b, p + l), pad_id, dtype=torch.long)
        mask = torch.zeros((b, p + l), dtype=torch.long)
        comp_ids = torch.full((b, l), pad_id, dtype=torch.long)
        comp_mask = torch.zeros((b, l), dtype=torch.float32)
        for i, (pr, co) in enumerate(zip(prompts, completions)):
            start = p - len(pr)
            ids[i, start:p] = torch.tensor(pr, dtype=torch.long)
            mask[i, start:p] = 1
            if co:
                ids[i, p : p + len(co)] = torch.tensor(co, dtype=torch.long)
                mask[i, p : p + len(co)] = 1
                comp_ids[i, : len(co)] = torch.tensor(co, dtype=torch.long)
                comp_mask[i, : len(co)] = 1
        self.input_ids, self.attention_mask = ids.to(device), mask.to(device)
        self.completion_ids, self.completion_mask = comp_ids.to(device), comp_mask.to(device)
        self.prompt_width, self.completion_width = p, l


def token_logprobs(model, pack, temperature, with_entropy):
    logits = model(pack.input_ids, pack.attention_mask).float()
    start = pack.prompt_width - 1
    sliced = logits[:, start : start + pack.completion_width, :]
    if temperature != 1.0:
        sliced = sliced.div(grpo_optim.f32(temperature))
    log_softmax = sliced.log_softmax(-1)
    mask = pack.completion_mask
    logp = log_softmax.gather(2, pack.completion_ids.unsqueeze(2)).squeeze(2).mul(mask)
    entropy = None
    if with_entropy:
        ls = log_softmax.detach()
        entropy = ls.exp().mul(ls).sum(2).neg().mul(mask)
    return logp, entropy


def _maybe_crash(rank, step):
    """Test hook ``GRPO_WORKER_CRASH=rank:step:marker``: that rank kills itself with SIGKILL in the
    middle of that step (after a forward pass), once: the marker file records that it happened."""
    spec = os.environ.get("GRPO_WORKER_CRASH")
    if not spec:
        return
    r, s, marker = spec.split(":", 2)
    if int(r) == rank and int(s) == step and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), 9)


class Rank:
    """This process's place in the group."""

    def __init__(self):
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", str(self.rank)))
        self.cpu_group = None  # the gloo group of commands and metrics when the default is NCCL

    @property
    def distributed(self):
        return self.world > 1


class GrpoWorkerTrainer:
    """The model, its reference, AdamW and the step counter of one run on this rank."""

    def __init__(self, rank, header):
        self.rank = rank
        self.settings = TrainerSettings(header.get("config", {}))
        impl = header.get("model", "auto")
        dev = header.get("device", "cpu")
        self.device = torch.device(f"cuda:{rank.local_rank}" if dev == "cuda" else dev)
        ckpt = header["checkpointDir"]
        if not os.path.isdir(ckpt):
            raise ValueError(f"checkpointDir not found: {ckpt}")
        self.model, self.config = grpo_model.build(ckpt, impl, sdpa=bool(header.get("sdpa", False)))
        self.model.to(self.device)
        self.reference = None
        if self.settings.loss.beta > 0:
            ref_dir = header.get("referenceDir") or ckpt
            self.reference, _ = grpo_model.build(ref_dir, impl)
            self.reference.to(self.device).eval()
            for p in self.reference.parameters():
                p.requires_grad_(False)
        self.named = self.model.hf_state_dict()
        self.optimizer = grpo_optim.AdamW(self.named, self.settings.optimizer)
        self.steps = 0
        if header.get("stateDir"):
            self.load_state(header["stateDir"])
        self.train_module = self.model
        if rank.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.train_module = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=ids, broadcast_buffers=False
            )

    def load_state(self, directory):
        path = os.path.join(directory, TRAINER_STATE_FILE)
        with open(path, "r", encoding="utf-8") as f:
            state = json.load(f)
        if state.get("format") != TRAINER_FORMAT:
            raise ValueError(f"{path}: format must be {TRAINER_FORMAT}, was {state.get('format')}")
        self.optimizer.load(directory)
        self.steps = int(state["step"])

    def check_tokens(self, groups):
        vocab = self.config.vocab_size
        for g, (prompt, comps) in enumerate(groups):
            for i, t in enumerate(prompt):
                if not 0 <= t < vocab:
                    raise ValueError(
                        f"groups[{g}].promptTokenIds[{i}] must be a token id in [0, {vocab}), was {t}"
                    )
            for c, (tokens, _, _) in enumerate(comps):
                for i, t in enumerate(tokens):
                    if not 0 <= t < vocab:
                        raise ValueError(
                            f"groups[{g}].completions[{c}].completionTokenIds[{i}] must be a token"
                            f" id in [0, {vocab}), was {t}"
                        )

    def step(self, groups):
        s = self.settings
        rows, rewards_all, zero_std = [], [], 0
        scale_by_std = s.loss.variant != "dr_grpo"
        for prompt, comps in groups:
            rewards = [c[2] for c in comps]
            if all(r == rewards[0] for r in rewards):
                zero_std += 1
            adv = grpo_loss.group_advantages(rewards, scale_by_std)
            for (tokens, beh, reward), a in zip(comps, adv):
                rows.append((prompt, tokens, beh, a))
                rewards_all.append(reward)
        n = len(rows)
        mbs = s.micro_batch_size
        micro_batches = (n + mbs - 1) // mbs
        active_tokens = sum(len(r[1]) for r in rows)
        longest = max(len(r[1]) for r in rows)
        max_len = s.max_completion_length if s.max_completion_length > 0 else max(1, longest)
        totals = grpo_loss.BatchTotals(n, active_tokens, max_len, micro_batches)
        world, rank = self.rank.world, self.rank.rank
        mine = [k for k in range(micro_batches) if k % world == rank]
        slots = (micro_batches + world - 1) // world

        t0 = time.monotonic()
        packs = {}
        for k in mine:
            mb = rows[k * mbs : (k + 1) * mbs]
            packs[k] = Pack([r[0] for r in mb], [r[1] for r in mb], self.device)
        old_logp, ref_logp = {}, {}
        with torch.no_grad():
            for k in mine:
                if packs[k].completion_width == 0:
                    continue
                if s.mu > 1:
                    old_logp[k] = token_logprobs(self.model, packs[k], s.temperature, False)[0]
                if s.loss.beta > 0:
                    ref_logp[k] = token_logprobs(self.reference, packs[k], s.temperature, False)[0]
        fb = time.monotonic() - t0
        opt_time = 0.0
        sums = torch.zeros(5, dtype=torch.float64)  # loss, kl, entropy, clip low, clip high
        skipped = 0
        last = (0.0, 0.0)
        self.model.train()
        for _ in range(s.mu):
            t1 = time.monotonic()
            self.optimizer.zero_grad()
            for slot in range(slots):
                k = slot * world + rank
                sync = self.rank.distributed and slot == slots - 1
                ctx = self.train_module.no_sync() if self.rank.distributed and not sync else contextlib.nullcontext()
                with ctx:
                    pack = packs.get(k) if k < micro_batches else None
                    if pack is None or pack.completion_width == 0:
                        if self.rank.distributed:
                            self._idle_pass()
                        continue
                    sums += self._micro_batch(k, pack, rows[k * mbs : (k + 1) * mbs], old_logp, ref_logp, totals)
            t2 = time.monotonic()
            norm, lr, was_skipped = self.optimizer.step()
            if was_skipped:
                skipped += 1
            last = (norm, lr)
            opt_time += time.monotonic() - t2
            fb += t2 - t1
        if self.rank.distributed:
            dist.all_reduce(sums, group=self.rank.cpu_group)
        self.steps += 1
        per_token = max(1, active_tokens) * s.mu
        mean = sum(rewards_all) / len(rewards_all)
        return {
            "step": self.steps,
            "optimizerSteps": self.optimizer.step_count,
            "loss": sums[0].item() / s.mu,
            "kl": sums[1].item() / per_token,
            "clipFracLow": sums[3].item() / per_token,
            "clipFracHigh": sums[4].item() / per_token,
            "entropy": sums[2].item() / per_token,
            "gradNorm": last[0],
            "learningRate": last[1],
            "tokens": active_tokens,
            "sequences": n,
            "groups": len(groups),
            "zeroStdGroups": zero_std,
            "rewardMean": mean,
            "rewardStd": grpo_loss.reward_std(rewards_all),
            "skippedUpdates": skipped,
            "forwardBackwardMillis": int(fb * 1000),
            "optimizerMillis": int(opt_time * 1000),
        }

    def _micro_batch(self, k, pack, mb, old_logp, ref_logp, totals):
        s = self.settings
        logp, entropy = token_logprobs(self.train_module, pack, s.temperature, True)
        old = old_logp[k] if k in old_logp else logp.detach()
        ref = ref_logp.get(k)
        beh = None
        if s.loss.tis_cap > 0:
            beh = old.detach().clone()
            for i, row in enumerate(mb):
                if row[2] is not None and row[2]:
                    beh[i, : len(row[2])] = torch.tensor(row[2], dtype=torch.float32)
        adv = torch.tensor([r[3] for r in mb], dtype=torch.float32, device=self.device)
        res = grpo_loss.compute(logp, old, ref, beh, adv, pack.completion_mask, s.loss, totals)
        _maybe_crash(self.rank.rank, self.steps + 1)
        (res.loss * float(self.rank.world)).backward()
        return torch.tensor(
            [res.loss.item(), res.kl_sum, entropy.sum().item(), res.clip_low, res.clip_high],
            dtype=torch.float64,
        )

    def _idle_pass(self):
        """A zero-loss backward so this rank joins the all-reduce without a micro-batch of its own."""
        ids = torch.zeros((1, 1), dtype=torch.long, device=self.device)
        out = self.train_module(ids, torch.ones_like(ids))
        (out.float().sum() * 0.0).backward()

    def save(self, directory):
        """Rank 0 writes weights, optimizer and trainer state into ``directory`` (it must exist)."""
        if self.rank.rank != 0:
            return
        safetensors_io.write(
            os.path.join(directory, "model.safetensors"),
            {n: p.detach().float() for n, p in self.named.items()},
        )
        self.optimizer.write(directory)
        with open(os.path.join(directory, TRAINER_STATE_FILE), "w", encoding="utf-8") as f:
            json.dump({"format": TRAINER_FORMAT, "step": self.steps, "config": self.settings.raw}, f, indent=2)
