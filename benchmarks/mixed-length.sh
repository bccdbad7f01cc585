#!/usr/bin/env bash
# GRPO-shaped sampling (tasks x G=16, up to 256 new tokens, uneven lengths through EOS): the
# sampler of a given commit (default main, static batching) against this tree's, all rows at once
# and with continuous batching, alternating, 1 thread.
# Usage (repository root): flock /work/locks/heavy benchmarks/mixed-length.sh [rounds] [tasks] [size] [baseline-commit]
set -euo pipefail
rounds=${1:-2}; tasks=${2:-4}; size=${3:-small}; base=${4:-main}
CP=policy/target/classes:$(cat policy/target/cp.txt)
out=benchmarks/target/anchor-classes
old=benchmarks/target/baseline-sampler
mkdir -p $out $old/src/dev/grpo/policy/sampling
git show "$base":policy/src/main/java/dev/grpo/policy/sampling/Sampler.java > $old/src/dev/grpo/policy/sampling/Sampler.java
javac -d $old/classes -cp "$CP" $old/src/dev/grpo/policy/sampling/Sampler.java
javac -d $out -cp "$CP" benchmarks/src/main/java/dev/grpo/bench/policy/*.java
export DJL_OFFLINE=true OMP_NUM_THREADS=1
M=dev.grpo.bench.policy.MixedLengthBench
for r in $(seq 1 "$rounds"); do
  echo "# round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  timeout 600 java -Xmx2g -cp $old/classes:$out:$CP $M "$size" "$tasks" 32 200 0 1 2>&1 | grep -v SLF4J
  timeout 600 java -Xmx2g -cp $out:$CP $M "$size" "$tasks" 32 200 0 1 2>&1 | grep -v SLF4J
  timeout 600 java -Xmx2g -cp $out:$CP $M "$size" "$tasks" 32 200 16 1 2>&1 | grep -v SLF4J
  timeout 600 java -Xmx2g -cp $out:$CP $M "$size" "$tasks" 32 200 32 1 2>&1 | grep -v SLF4J
done
echo "# end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
