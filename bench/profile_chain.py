"""Where the time of the overhead chain goes: forward and backward apart, per op, the engine's
fixed cost, and the NumPy work underneath, for gpugrad and PyTorch.

Timed in CPU time of this thread (time.thread_time), best of several rounds, so that other
processes' load moves the figures less than wall time would.

    python bench/profile_chain.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench  # noqa: E402,F401  (thread-pool settings, before NumPy loads)
import numpy as np  # noqa: E402
from bench._common import torch_or_none  # noqa: E402
import gpugrad as gg  # noqa: E402


def cpu_us(fn, n=2000, rounds=9):
    fn()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.thread_time_ns()
        for _ in range(n):
            fn()
        best = min(best, (time.thread_time_ns() - t0) / n / 1e3)
    return best


def backward_us(make, n=1000, rounds=9):
    """Backward alone: graphs are built first, then only .backward() is timed."""
    best = float("inf")
    for _ in range(rounds):
        roots = [make() for _ in range(n)]
        t0 = time.thread_time_ns()
        for r in roots:
            r.backward()
        best = min(best, (time.thread_time_ns() - t0) / n / 1e3)
        del roots
    return best


def numpy_chain(a, b):
    """The chain's arithmetic in plain NumPy (forward and the backward formulas)."""
    h = a @ b
    r = np.maximum(h, 0)
    t = np.tanh(r * np.float32(2) + np.float32(1))
    t.sum()
    g = np.ones_like(t)
    g = g * (1 - t * t)
    g = g * np.float32(2)
    g = g * (r > 0)
    return g @ b.T, a.T @ g


def profile(lib, a, b):
    x = lib.tensor(a, requires_grad=True)
    w = lib.tensor(b, requires_grad=True)

    def fwd():
        return ((x @ w).relu() * 2.0 + 1.0).tanh().sum()

    h = (x @ w).detach()
    steps = {
        "matmul": lambda: x @ w, "relu": lambda: h.relu(), "mul": lambda: h * 2.0,
        "add": lambda: h + 1.0, "tanh": lambda: h.tanh(), "sum": lambda: h.sum(),
    }
    h.requires_grad_(True)
    out = {"fwd+bwd": cpu_us(lambda: fwd().backward(), n=1000),
           "forward (grad on)": cpu_us(fwd, n=1000),
           "backward": backward_us(fwd),
           "backward of x.sum() (2 nodes)": backward_us(lambda: x.sum())}
    for name, f in steps.items():
        out[f"  {name} recorded"] = cpu_us(f)
    return out


def main():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    rows = {"gpugrad": profile(gg, a, b)}
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(1)
        rows["torch"] = profile(torch, a, b)
    numpy_us = cpu_us(lambda: numpy_chain(a, b))
    keys = list(rows["gpugrad"])
    print(f"{'us of CPU time':32s}" + "".join(f"{k:>10s}" for k in rows) +
          ("  gg/pt" if "torch" in rows else ""))
    for k in keys:
        line = f"{k:32s}" + "".join(f"{rows[lib][k]:10.1f}" for lib in rows)
        if "torch" in rows:
            line += f"  {rows['gpugrad'][k] / rows['torch'][k]:5.2f}"
        print(line)
    print(f"{'NumPy work of the chain':32s}{numpy_us:10.1f}")


if __name__ == "__main__":
    main()
