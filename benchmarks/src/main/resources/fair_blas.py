"""The PyTorch anchor must run on a real BLAS. Debian's torch 1.13 links the libblas.so.3 alternative,
which is either the reference BLAS (5-10x slower) or OpenBLAS (libopenblas0-pthread), and
torch.__config__.show() says BLAS_INFO=generic in both cases; so look at what is really mapped.
Call require_openblas(threads) after importing torch: it exits with a message on the reference BLAS
and pins OpenBLAS's own pthread pool to `threads` (torch.set_num_threads does not reach it)."""
import sys


def loaded_blas():
    """The BLAS shared objects mapped into this process (paths)."""
    with open("/proc/self/maps") as f:
        return sorted({l.split()[-1] for l in f if "blas" in l.rsplit("/", 1)[-1] and "/" in l})


def require_openblas(threads):
    import torch
    torch.ones(2, 2) @ torch.ones(2, 2)  # make sure the BLAS is loaded
    libs = loaded_blas()
    if not any("openblas" in p for p in libs):
        sys.exit("refusing to run the PyTorch anchor on the reference BLAS (mapped: %s); "
                 "install libopenblas0-pthread (apt-get install libopenblas0-pthread)" % (libs or "none"))
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads, user_api="blas")
    except ImportError:
        pass  # OPENBLAS_NUM_THREADS in the environment is the fallback
    return [p for p in libs if "openblas" in p][0]
