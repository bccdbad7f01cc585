"""Summarises a profiled training step (TrainingBench -Dprofile.trace=F, training_bench.py with
PROFILE_TRACE=F): top-level aten ops (those not nested inside another op of the same thread, i.e.
one per call from Java or Python) split into phases: forward + loss (before the first autograd
node), backward (autograd nodes), optimizer + clipping (after the last one). Prints per phase the
op count, their summed native time, the phase's wall span and the part of the span spent outside
native ops (the frontend: JNI + Java, or Python), then the ops that take the most time.
Usage: /usr/bin/python3 benchmarks/trace_summary.py TRACE.json [top]"""
import collections, json, sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    return [e for e in events if e.get("ph") == "X" and "dur" in e]


def top_level(events):
    out = []
    by_tid = collections.defaultdict(list)
    for e in events:
        by_tid[e.get("tid")].append(e)
    for evs in by_tid.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        end = -1.0
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            if ts >= end:
                out.append(e)
                end = ts + dur
    out.sort(key=lambda e: float(e["ts"]))
    return out


def main():
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
    ops = top_level(load(path))
    bwd = [i for i, e in enumerate(ops) if "evaluate_function" in e["name"] or "Backward" in e["name"]]
    first, last = (bwd[0], bwd[-1]) if bwd else (len(ops), len(ops) - 1)
    phases = [("forward+loss", ops[:first]), ("backward", ops[first:last + 1]), ("optimizer", ops[last + 1:])]
    print("%-13s %6s %10s %10s %10s" % ("phase", "ops", "native_ms", "span_ms", "outside_ms"))
    for name, evs in phases:
        if not evs:
            continue
        native = sum(float(e["dur"]) for e in evs) / 1000
        span = (float(evs[-1]["ts"]) + float(evs[-1]["dur"]) - float(evs[0]["ts"])) / 1000
        print("%-13s %6d %10.1f %10.1f %10.1f" % (name, len(evs), native, span, span - native))
    for name, evs in phases:
        agg = collections.defaultdict(lambda: [0, 0.0])
        for e in evs:
            n = e["name"].replace("autograd::engine::evaluate_function: ", "")
            agg[n][0] += 1
            agg[n][1] += float(e["dur"]) / 1000
        print("\n# %s: top %d by time (count, ms)" % (name, top))
        for n, (c, ms) in sorted(agg.items(), key=lambda kv: -kv[1][1])[:top]:
            print("  %-45s %5d %9.1f" % (n[:45], c, ms))


if __name__ == "__main__":
    main()
