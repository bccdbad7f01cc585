"""Hugging Face safetensors, read and written directly (Debian's torch has no safetensors package).

Format: u64 little-endian header length N, N bytes of JSON ({name: {dtype, shape, data_offsets}},
plus "__metadata__" of strings), then the raw little-endian tensor bytes. The writer pads the header
with spaces to 8-byte alignment, as the reference writer (and the Java ``SafeTensors``) does.
"""

import ctypes
import json
import os
import struct

import torch

_DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
    return header, 8 + n


def read(path):
    """Tensors of one file (CPU, in file order) and its metadata; a sharded index reads every shard."""
    if path.endswith(".index.json"):
        with open(path, "r", encoding="utf-8") as f:
            index = json.load(f)
        out, meta = {}, {}
        base = os.path.dirname(path)
        for shard in sorted(set(index["weight_map"].values())):
            t, m = read(os.path.join(base, shard))
            out.update(t)
            meta.update(m)
        return out, meta
    header, start = read_header(path)
    meta = header.pop("__metadata__", {}) or {}
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    out = {}
    for name, info in sorted(header.items(), key=lambda e: e[1]["data_offsets"][0]):
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(
                f"{path}: tensor {name} has dtype {info['dtype']}; supported are {sorted(_DTYPES)}"
            )
        begin, end = info["data_offsets"]
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out, meta


def write(path, tensors, metadata=None):
    """Writes tensors (in the given order) with ``format=pt`` metadata; fsyncs the file.

    Not atomic by itself: checkpoints are written into a temporary directory that is renamed.
    """
    header = {"__metadata__": {"format": "pt", **(metadata or {})}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous()
        if t.dtype not in _NAMES:
            t = t.float()
        raw = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""
        header[name] = {
            "dtype": _NAMES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        offset += len(raw)
        blobs.append(raw)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    padded = (len(js) + 7) // 8 * 8
    js += b" " * (padded - len(js))
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", padded))
        f.write(js)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
