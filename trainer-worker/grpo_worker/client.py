"""A stdlib client of protocol grpo-worker/1 and a launcher of a local rank group (tests, GPU script)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import PROTOCOL, protocol


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world, port, env_extra=None, threads=1):
    """Starts ``world`` local ranks through env:// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE)."""
    master = free_port()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = []
    for r in range(world):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(master), RANK=str(r),
                   WORLD_SIZE=str(world), LOCAL_RANK=str(r), PYTHONPATH=here, **(env_extra or {}))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "grpo_worker", "--port", str(port), "--threads", str(threads)], env=env))
    return procs


class Client:
    def __init__(self, port, host="127.0.0.1"):
        self.base = f"http://{host}:{port}/{PROTOCOL}"
        self.root = f"http://{host}:{port}"

    def wait_healthy(self, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.root + "/health", timeout=2) as r:
                    return json.loads(r.read())
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def post(self, op, body, timeout=600, content_type=protocol.FRAME_TYPE):
        req = urllib.request.Request(self.base + "/" + op, data=body, method="POST",
                                     headers={"X-Grpo-Protocol": PROTOCOL, "Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{op}: HTTP {e.code}: {e.read().decode()}") from None

    def load(self, header):
        return self.post("load", json.dumps(header).encode(), content_type=protocol.JSON_TYPE)

    def step(self, groups):
        return self.post("step", encode_groups(groups))["metrics"]

    def save(self, directory):
        return self.post("save", json.dumps({"dir": directory}).encode(), content_type=protocol.JSON_TYPE)

    def shutdown(self):
        try:
            return self.post("shutdown", b"", timeout=10)
        except (RuntimeError, OSError):
            return None


def encode_groups(groups, header=None):
    """groups: [(prompt, [(tokens, behaviour or None, reward)])] as a step body."""
    sizes, plens, ptoks, clens, ctoks, rewards, has, beh = [], [], [], [], [], [], [], []
    for prompt, comps in groups:
        sizes.append(len(comps))
        plens.append(len(prompt))
        ptoks += prompt
        for tokens, b, reward in comps:
            clens.append(len(tokens))
            ctoks += tokens
            rewards.append(reward)
            has.append(1 if b is not None else 0)
            beh += b if b is not None else [0.0] * len(tokens)
    return protocol.encode(header or {}, {
        "groupSizes": ("i32", sizes), "promptLengths": ("i32", plens), "promptTokens": ("i32", ptoks),
        "completionLengths": ("i32", clens), "completionTokens": ("i32", ctoks),
        "rewards": ("f64", rewards), "hasBehaviour": ("u8", has), "behaviourLogProbs": ("f32", beh)})
