"""Top-level native ops of a libtorch profiler trace (JniUtils.stopProfile's chrome-trace JSON):
count and self-inclusive time per op name, divided by a number of decode steps.
Usage: /usr/bin/python3 trace_ops.py <trace.json> <steps> [top]"""
import json, re, sys
from collections import defaultdict

def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    text = open(path).read()
    text = re.sub(r",\s*]\s*$", "]", text.strip())
    ev = sorted((e for e in json.loads(text) if e.get("ph") == "X"), key=lambda e: (e["ts"], -e["dur"]))
    count, time, stack = defaultdict(int), defaultdict(float), []
    first, last = None, 0.0
    for e in ev:
        end = e["ts"] + e["dur"]
        while stack and stack[-1] <= e["ts"]:
            stack.pop()
        if not stack:  # not nested in another op: one dispatch from the caller
            count[e["name"]] += 1
            time[e["name"]] += e["dur"]
            first = e["ts"] if first is None else first
            last = max(last, end)
        stack.append(end)
    n = sum(count.values()); t = sum(time.values())
    print(f"top-level ops {n} ({n / steps:.1f} per step), in ops {t / 1e3:.1f} ms of {(last - first) / 1e3:.1f} ms traced"
          f" ({100 * t / max(last - first, 1):.0f}%)")
    for name, c in sorted(count.items(), key=lambda kv: -time[kv[0]])[:top]:
        print(f"  {name:32s} {c / steps:7.1f}/step {time[name] / c:8.1f} us/op {100 * time[name] / t:5.1f}%")

main()
