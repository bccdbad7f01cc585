"""The wire format of protocol ``grpo-worker/1``: HTTP with a binary body (see README.md).

A body is one frame: ``u32`` little-endian length N, N bytes of UTF-8 JSON (the header), then the
payload. The header's ``arrays`` object names each array of the payload as ``[dtype, count,
offset]`` (dtype ``i32``, ``f32``, ``f64`` or ``u8``; offset in bytes from the payload's start), all
little-endian.
"""

import array
import json
import struct
import sys

_CODES = {"i32": "i", "f32": "f", "f64": "d", "u8": "B"}


FRAME_TYPE = "application/x-grpo-frame"
JSON_TYPE = "application/json"


def encode(header, arrays=None):
    header = dict(header)
    payload = bytearray()
    index = {}
    for name, (dtype, values) in (arrays or {}).items():
        a = array.array(_CODES[dtype], values)
        if sys.byteorder != "little":
            a.byteswap()
        index[name] = [dtype, len(a), len(payload)]
        payload += a.tobytes()
    header["arrays"] = index
    js = json.dumps(header).encode("utf-8")
    return struct.pack("<I", len(js)) + js + bytes(payload)


def decode(body):
    """(header, {name: array}) of a frame (an empty body is an empty header)."""
    if not body:
        return {}, {}
    if len(body) < 4:
        raise ValueError(f"frame must start with a 4-byte header length, had {len(body)} bytes")
    (n,) = struct.unpack("<I", body[:4])
    if 4 + n > len(body):
        raise ValueError(f"frame header length {n} exceeds the body of {len(body)} bytes")
    header = json.loads(body[4 : 4 + n].decode("utf-8"))
    payload = memoryview(body)[4 + n :]
    out = {}
    for name, (dtype, count, offset) in header.get("arrays", {}).items():
        if dtype not in _CODES:
            raise ValueError(f"array {name}: dtype must be one of {sorted(_CODES)}, was {dtype}")
        a = array.array(_CODES[dtype])
        end = offset + count * a.itemsize
        if offset < 0 or end > len(payload):
            raise ValueError(f"array {name} [{offset}, {end}) lies outside the payload of {len(payload)} bytes")
        a.frombytes(payload[offset:end])
        if sys.byteorder != "little":
            a.byteswap()
        out[name] = a
    return header, out


def groups_from_arrays(a):
    """The batch of a step request as [(prompt, [(tokens, behaviour or None, reward)])]."""
    for key in ("groupSizes", "promptLengths", "promptTokens", "completionLengths",
                "completionTokens", "rewards", "hasBehaviour", "behaviourLogProbs"):
        if key not in a:
            raise ValueError(f"step body must carry array {key}")
    sizes, plens, clens = a["groupSizes"], a["promptLengths"], a["completionLengths"]
    if len(sizes) != len(plens):
        raise ValueError(f"promptLengths must have one entry per group ({len(sizes)}), had {len(plens)}")
    if sum(sizes) != len(clens) or len(clens) != len(a["rewards"]) or len(clens) != len(a["hasBehaviour"]):
        raise ValueError(
            f"completionLengths, rewards, hasBehaviour must have sum(groupSizes) = {sum(sizes)} entries,"
            f" had {len(clens)}, {len(a['rewards'])}, {len(a['hasBehaviour'])}"
        )
    if sum(plens) != len(a["promptTokens"]) or sum(clens) != len(a["completionTokens"]):
        raise ValueError("promptTokens / completionTokens must hold sum of their lengths")
    if len(a["behaviourLogProbs"]) != len(a["completionTokens"]):
        raise ValueError("behaviourLogProbs must hold one value per completion token")
    groups, p, c, s = [], 0, 0, 0
    for g, size in enumerate(sizes):
        if size < 2:
            raise ValueError(f"groups[{g}] must hold at least 2 completions, had {size}")
        if plens[g] < 1:
            raise ValueError(f"groups[{g}].promptTokenIds must hold at least 1 token")
        prompt = list(a["promptTokens"][p : p + plens[g]])
        p += plens[g]
        comps = []
        for _ in range(size):
            n = clens[s]
            tokens = list(a["completionTokens"][c : c + n])
            beh = list(a["behaviourLogProbs"][c : c + n]) if a["hasBehaviour"][s] else None
            comps.append((tokens, beh, float(a["rewards"][s])))
            c += n
            s += 1
        groups.append((prompt, comps))
    return groups
