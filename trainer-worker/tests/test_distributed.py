"""2 ranks (DDP over gloo) and 1 rank on the same global batch agree to 1e-5; run as real processes.

    PYTHONPATH=trainer-worker python3 trainer-worker/tests/test_distributed.py
"""

import json
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import torch  # noqa: E402

from grpo_worker import client as wc  # noqa: E402
from grpo_worker import model as wm  # noqa: E402
from grpo_worker import safetensors_io  # noqa: E402

CONFIG = {
    "architectures": ["Qwen2ForCausalLM"], "vocab_size": 40, "hidden_size": 32,
    "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0, "tie_word_embeddings": True, "initializer_range": 0.05,
}


def tiny_checkpoint(directory, config=CONFIG, seed=7):
    cfg = wm.ModelConfig(config)
    m = wm.LlamaForCausalLM(cfg)
    wm.init_weights(m, cfg, seed)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f)
    safetensors_io.write(os.path.join(directory, "model.safetensors"), m.hf_state_dict())


def batch(seed=3, groups=3, g=4, vocab=40):
    rnd = random.Random(seed)
    out = []
    for _ in range(groups):
        prompt = [rnd.randrange(vocab) for _ in range(rnd.randint(2, 6))]
        comps = []
        for _ in range(g):
            n = rnd.randint(1, 7)
            comps.append(([rnd.randrange(vocab) for _ in range(n)],
                          [-rnd.uniform(0.5, 4) for _ in range(n)], float(rnd.randint(0, 3))))
        out.append((prompt, comps))
    return out


def run(world, ckpt, out_dir, settings):
    port = wc.free_port()
    procs = wc.launch(world, port)
    c = wc.Client(port)
    try:
        c.wait_healthy()
        c.load({"checkpointDir": ckpt, "model": "builtin", "config": settings})
        metrics = [c.step(batch(seed=s)) for s in (3, 4)]
        os.makedirs(out_dir)
        c.save(out_dir)
        return metrics, safetensors_io.read(os.path.join(out_dir, "model.safetensors"))[0]
    finally:
        c.shutdown()
        for p in procs:
            p.wait(timeout=30)


def main():
    tmp = tempfile.mkdtemp(prefix="grpo-worker-dist-")
    ckpt = os.path.join(tmp, "init")
    tiny_checkpoint(ckpt)
    failures = []
    for variant in ("grpo", "bnpo", "dapo", "dr_grpo"):
        settings = {"loss": {"variant": variant, "epsLow": 0.2, "epsHigh": 0.28, "beta": 0.04, "tisCap": 2.0},
                    "mu": 2, "microBatchSize": 3, "temperature": 0.9,
                    "optimizer": {"learningRate": 1e-3, "beta1": 0.9, "beta2": 0.99, "epsilon": 1e-8,
                                  "weightDecay": 0.01, "maxGradNorm": 1.0}}
        one, w1 = run(1, ckpt, os.path.join(tmp, variant + "-1"), settings)
        two, w2 = run(2, ckpt, os.path.join(tmp, variant + "-2"), settings)
        for a, b in zip(one, two):
            for key in ("loss", "gradNorm", "kl", "entropy"):
                if abs(a[key] - b[key]) > 1e-5 * max(1.0, abs(a[key])):
                    failures.append(f"{variant}: {key} 1 rank {a[key]} vs 2 ranks {b[key]}")
        worst = max((w1[n] - w2[n]).abs().max().item() for n in w1)
        if worst > 1e-5:
            failures.append(f"{variant}: parameters differ by {worst}")
        print(f"{variant}: loss {one[-1]['loss']:.8f} vs {two[-1]['loss']:.8f}, "
              f"gradNorm {one[-1]['gradNorm']:.8f} vs {two[-1]['gradNorm']:.8f}, max |dp| {worst:.2e}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("OK: 2 ranks == 1 rank")
    return 0


if __name__ == "__main__":
    sys.exit(main())
