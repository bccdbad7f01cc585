"""``python3 -m grpo_worker``: one rank of a worker group (rank 0 serves the protocol)."""

import argparse
import ctypes
import datetime
import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
import torch.distributed as dist

from . import PROTOCOL, protocol
from .trainer import GrpoWorkerTrainer, Rank

PREFIX = "/" + PROTOCOL  # /grpo-worker/1
PING_EVERY_SECONDS = 5.0
MAX_GROUP_TIMEOUT_SECONDS = 30


class GroupBroken(Exception):
    """A collective failed: a rank died or hung. Rank 0 answers 503, then every rank exits."""


class Group:
    """Rank 0's commands to the other ranks, one at a time, over the process group."""

    def __init__(self, rank):
        self.rank = rank
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self.trainer = None

    def broadcast(self, op, body):
        if not self.rank.distributed:
            return op, body
        try:
            if self.rank.rank == 0:
                data = json.dumps(op).encode() + b"\n" + body
                size = torch.tensor([len(data)], dtype=torch.long)
                dist.broadcast(size, 0, group=self.rank.cpu_group)
                dist.broadcast(torch.frombuffer(bytearray(data), dtype=torch.uint8), 0, group=self.rank.cpu_group)
                return op, body
            size = torch.zeros(1, dtype=torch.long)
            dist.broadcast(size, 0, group=self.rank.cpu_group)
            buf = torch.zeros(int(size.item()), dtype=torch.uint8)
            dist.broadcast(buf, 0, group=self.rank.cpu_group)
            data = ctypes.string_at(buf.data_ptr(), buf.numel())
            head, _, rest = data.partition(b"\n")
            return json.loads(head), rest
        except RuntimeError as e:
            raise GroupBroken(f"process group broken: {e}") from e

    def execute(self, op, body):
        """Runs one command on this rank; returns the response header (rank 0's is sent back)."""
        header, arrays = protocol.decode(body)
        if op == "ping":
            return {}
        if op == "load":
            self.trainer = None
            self.trainer = GrpoWorkerTrainer(self.rank, header)
            return {"loaded": True, "step": self.trainer.steps,
                    "optimizerSteps": self.trainer.optimizer.step_count}
        if self.trainer is None:
            raise ValueError(f"{op} needs a loaded run: call load first")
        if op == "step":
            groups = protocol.groups_from_arrays(arrays)
            try:
                return {"metrics": self.trainer.step(groups)}
            except RuntimeError as e:
                if self.rank.distributed:
                    raise GroupBroken(f"step failed in a collective: {e}") from e
                raise
        if op == "save":
            directory = header["dir"]
            if self.rank.rank == 0 and not os.path.isdir(directory):
                raise ValueError(f"save dir must exist, was {directory}")
            self.trainer.save(directory)
            if self.rank.distributed:
                try:
                    dist.barrier(group=self.rank.cpu_group)
                except RuntimeError as e:
                    raise GroupBroken(f"process group broken: {e}") from e
            return {"saved": directory, "step": self.trainer.steps}
        raise ValueError(f"unknown operation {op}")

    def command(self, op, body):
        """Rank 0: validates, broadcasts, runs."""
        with self.lock:
            if op == "step" and self.trainer is not None:
                # Validate on rank 0 before any rank starts, so a bad batch fails alone, not the group.
                self.trainer.check_tokens(protocol.groups_from_arrays(protocol.decode(body)[1]))
            self.broadcast(op, body)
            try:
                return self.execute(op, body)
            finally:
                self.last = time.monotonic()

    def ping_forever(self, on_broken):
        while True:
            time.sleep(1.0)
            with self.lock:
                if time.monotonic() - self.last < PING_EVERY_SECONDS:
                    continue
                try:
                    self.broadcast("ping", b"")
                except GroupBroken as e:
                    on_broken(str(e))
                    return
                self.last = time.monotonic()


def follow(group):
    """Ranks > 0: run rank 0's commands until shutdown or a broken group."""
    while True:
        op, body = group.broadcast(None, None)
        if op == "shutdown":
            return 0
        try:
            group.execute(op, body)
        except GroupBroken as e:
            print(f"rank {group.rank.rank}: {e}", file=sys.stderr, flush=True)
            return 3
        except Exception:  # noqa: BLE001 - the same deterministic error is reported by rank 0
            traceback.print_exc()


def serve(group, host, port):
    state = {"broken": None}

    def broken(reason):
        state["broken"] = reason
        print(f"rank 0: {reason}; exiting", file=sys.stderr, flush=True)
        os._exit(3)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: the trainer logs what matters
            pass

        def reply(self, code, obj):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Grpo-Protocol", PROTOCOL)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def health(self):
            t = group.trainer
            return {
                "protocol": PROTOCOL,
                "worldSize": group.rank.world,
                "torch": torch.__version__,
                "python": sys.version.split()[0],
                "loaded": t is not None,
                "step": t.steps if t else 0,
                "broken": state["broken"],
            }

        def do_GET(self):
            if self.path in ("/health", PREFIX + "/health"):
                self.reply(200, self.health())
            else:
                self.reply(404, {"error": f"no such path {self.path}", "protocol": PROTOCOL})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Content-Type", "").startswith(protocol.JSON_TYPE):
                try:
                    body = protocol.encode(json.loads(body.decode("utf-8")) if body else {})
                except ValueError as e:
                    self.reply(400, {"error": f"body is not valid JSON: {e}"})
                    return
            asked = self.headers.get("X-Grpo-Protocol")
            if asked and asked != PROTOCOL:
                self.reply(409, {"error": f"protocol mismatch: this worker speaks {PROTOCOL}, "
                                           f"the trainer speaks {asked}", "protocol": PROTOCOL})
                return
            if not self.path.startswith(PREFIX + "/"):
                self.reply(404, {"error": f"no such path {self.path}; this worker speaks {PROTOCOL}",
                                 "protocol": PROTOCOL})
                return
            op = self.path[len(PREFIX) + 1 :]
            if op == "shutdown":
                self.reply(200, {"shutdown": True})
                with group.lock:
                    try:
                        group.broadcast("shutdown", b"")
                    except GroupBroken:
                        pass
                threading.Thread(target=lambda: (time.sleep(0.2), os._exit(0)), daemon=True).start()
                return
            if op not in ("load", "step", "save"):
                self.reply(404, {"error": f"unknown operation {op}", "protocol": PROTOCOL})
                return
            try:
                self.reply(200, group.command(op, body))
            except GroupBroken as e:
                self.reply(503, {"error": str(e), "groupBroken": True})
                threading.Thread(target=lambda: (time.sleep(0.2), broken(str(e))), daemon=True).start()
            except (ValueError, KeyError, OSError) as e:
                self.reply(400, {"error": f"{type(e).__name__}: {e}" if isinstance(e, KeyError) else str(e)})
            except Exception as e:  # noqa: BLE001 - reported to the trainer with its type
                traceback.print_exc()
                self.reply(500, {"error": f"{type(e).__name__}: {e}"})

    server = ThreadingHTTPServer((host, port), Handler)
    if group.rank.distributed:
        threading.Thread(target=group.ping_forever, args=(broken,), daemon=True).start()
    print(f"grpo-worker rank 0 listening on {host}:{server.server_address[1]} "
          f"protocol {PROTOCOL} world {group.rank.world}", flush=True)
    server.serve_forever()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="grpo_worker")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=int(os.environ.get("GRPO_WORKER_PORT", "0")))
    ap.add_argument("--group-timeout-seconds", type=int, default=MAX_GROUP_TIMEOUT_SECONDS)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("GRPO_WORKER_THREADS", "0")))
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rank = Rank()
    if rank.distributed:
        timeout = min(args.group_timeout_seconds, MAX_GROUP_TIMEOUT_SECONDS)
        backend = "nccl" if torch.cuda.is_available() and os.environ.get("GRPO_WORKER_DEVICE") == "cuda" else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(rank.local_rank)
        dist.init_process_group(backend=backend, init_method="env://",
                                timeout=datetime.timedelta(seconds=timeout))
        # Commands and metrics are CPU tensors: with NCCL they go over a gloo group of their own.
        rank.cpu_group = (dist.new_group(backend="gloo", timeout=datetime.timedelta(seconds=timeout))
                          if backend == "nccl" else None)
    group = Group(rank)
    if rank.rank == 0:
        serve(group, args.host, args.port)
        return 0
    return follow(group)


if __name__ == "__main__":
    sys.exit(main())
