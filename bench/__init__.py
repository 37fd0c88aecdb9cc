"""gpugrad's benchmarks: ``python -m bench`` runs them all (see bench/README.md).

Both libraries run in one process, each with a thread pool: PyTorch's OpenMP pool and NumPy's
OpenBLAS pool. OpenBLAS's idle threads spin (yielding) for about 2^28 cycles after each call,
and that spinning steals a core from PyTorch (measured here: PyTorch's batch-512 MLP step
50.7 ms right after gpugrad's against 34.2 ms alone). So unless the environment says
otherwise, NumPy's pool sleeps at once when idle; this must be set before NumPy is loaded,
hence here. PyTorch keeps its own defaults (libgomp spins briefly, then sleeps): making its
threads sleep at once too (``OMP_WAIT_POLICY=PASSIVE``) slows its small steps by up to a
quarter while gpugrad's barely move, which would flatter gpugrad. ``GPUGRAD_BENCH_SPIN=1``
keeps every default (for solo runs of one library per process: ``python bench/train.py
--lib torch``).
"""
import os

if os.environ.get("GPUGRAD_BENCH_SPIN") != "1":
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
