#!/usr/bin/env bash
# Sampling only: DJL (this tree) vs PyTorch 1.13 eager + OpenBLAS, alternating, 1 thread, the
# shapes of policy-anchor.sh, plus the per-step profile of a DJL sampling call (SamplingProfile +
# trace_ops.py). No MKL_DEBUG_CPU_TYPE: libtorch's oneMKL 2024.0 ignores it (docs/benchmarks.md,
# "MKL_DEBUG_CPU_TYPE does nothing with libtorch 2.7.1").
# Usage (repository root): flock /work/locks/heavy benchmarks/sampling-anchor.sh [rounds]
# Needs policy compiled and policy/target/cp.txt (see policy-anchor.sh).
set -euo pipefail
rounds=${1:-3}
CP=policy/target/classes:$(cat policy/target/cp.txt)
out=benchmarks/target/anchor-classes
mkdir -p $out
javac -d $out -cp "$CP" benchmarks/src/main/java/dev/grpo/bench/policy/*.java
export DJL_OFFLINE=true OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
J="java -Xmx2g -cp $out:$CP"
PY="/usr/bin/python3 benchmarks/src/main/resources"
for size in small medium; do
  timeout 300 $J dev.grpo.bench.policy.SamplingProfile $size 8 32 64 2 $out/trace-$size.json 2>&1 | grep -v SLF4J
  $PY/trace_ops.py $out/trace-$size.json 63 12
done
for r in $(seq 1 "$rounds"); do
  echo "# round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  timeout 300 $J dev.grpo.bench.policy.SamplingBench small 8 32 64 1 3 2>&1 | grep -v SLF4J
  timeout 300 $PY/sampling_bench.py small 8 32 64 1 3
  timeout 300 $J dev.grpo.bench.policy.SamplingBench medium 8 32 64 1 2 2>&1 | grep -v SLF4J
  timeout 300 $PY/sampling_bench.py medium 8 32 64 1 2
done
echo "# end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
