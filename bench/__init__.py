"""gpugrad's benchmarks: ``python -m bench`` runs them all (see bench/README.md).

Both libraries run in one process, each with a thread pool: PyTorch's OpenMP pool and NumPy's
OpenBLAS pool. By default each pool's idle threads spin for a while after every parallel
region, and the spinning of one steals a core from the other (measured here: an MLP step of
either library about 1.5-2.5x slower right after the other's than alone). So unless the
environment says otherwise, both pools sleep when idle; this must be set before NumPy or
PyTorch is loaded, hence here. ``GPUGRAD_BENCH_SPIN=1`` keeps the libraries' own defaults
(for solo runs of one library per process: ``python bench/train.py --lib torch``).
"""
import os

if os.environ.get("GPUGRAD_BENCH_SPIN") != "1":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
