/*
 * Experiment only, not used by the project: libtorch 2.7.1's bundled oneMKL 2024.0 runs AVX2
 * ("zen") sgemm kernels on AMD CPUs even when they have AVX-512. libtorch_cpu.so exports MKL's
 * vendor check, so a preloaded definition overrides it and MKL takes its AVX-512 path:
 *   gcc -shared -fPIC -O2 -o /tmp/libintelcputrue.so benchmarks/mkl-amd/intel_cpu_true.c
 *   LD_PRELOAD=/tmp/libintelcputrue.so java ... TrainingBench medium 8 16 48 1 3
 * Unsupported by Intel; see docs/benchmarks.md, "Training step: profile, fixes and the anchor
 * rerun (issue 16)".
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
