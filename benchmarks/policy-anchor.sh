#!/usr/bin/env bash
# DJL vs PyTorch 1.13 eager + OpenBLAS, side by side, 1 thread, same shapes, alternating engines.
# Usage (repository root): flock /work/locks/heavy benchmarks/policy-anchor.sh [rounds]
# Needs policy compiled and policy/target/cp.txt (mvn -B -q -pl policy -am compile;
# mvn -B -q -pl policy dependency:build-classpath -Dmdep.outputFile=target/cp.txt).
set -euo pipefail
rounds=${1:-2}
CP=policy/target/classes:$(cat policy/target/cp.txt)
out=benchmarks/target/anchor-classes
mkdir -p $out
javac -d $out -cp "$CP" benchmarks/src/main/java/dev/grpo/bench/policy/SamplingBench.java \
  benchmarks/src/main/java/dev/grpo/bench/train/TrainingBench.java
export DJL_OFFLINE=true OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
J="java -Xmx2g -cp $out:$CP"
PY="/usr/bin/python3 benchmarks/src/main/resources"
for r in $(seq 1 "$rounds"); do
  echo "# round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  timeout 300 $J dev.grpo.bench.train.TrainingBench small 16 32 96 1 5
  timeout 300 $PY/training_bench.py small 16 32 96 1 5
  timeout 300 $J dev.grpo.bench.train.TrainingBench medium 8 16 48 1 3
  timeout 300 $PY/training_bench.py medium 8 16 48 1 3
  timeout 300 $J dev.grpo.bench.policy.SamplingBench small 8 32 64 1 3
  timeout 300 $PY/sampling_bench.py small 8 32 64 1 3
  timeout 300 $J dev.grpo.bench.policy.SamplingBench medium 8 32 64 1 2
  timeout 300 $PY/sampling_bench.py medium 8 32 64 1 2
done
echo "# end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
