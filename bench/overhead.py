"""Per-op overhead on small tensors: microseconds per op for gpugrad, PyTorch and NumPy.

Runs 8x8 float32 ops (add, mul, matmul, relu, sum) with grad off and on, and a 5-op chain
forward+backward, in one process, and prints each library's time and gpugrad's ratio to
PyTorch's (PyTorch is skipped where it is not installed).

    python bench/overhead.py            # full run
    python bench/overhead.py --quick    # fewer repeats
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._timing import measure, other_cpu_load, write_jsonl  # noqa: E402
import gpugrad as gg  # noqa: E402

OPS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "matmul": lambda x, y: x @ y,
    "relu": lambda x, y: x.relu(),
    "sum": lambda x, y: x.sum(),
}


def _chain(lib):
    def run(x, w):
        h = (x @ w).relu()
        loss = ((h * 2.0 + 1.0).tanh()).sum()
        loss.backward()
        return loss
    return run


def _numpy_ops():
    return {
        "add": lambda x, y: x + y,
        "mul": lambda x, y: x * y,
        "matmul": lambda x, y: x @ y,
        "relu": lambda x, y: np.maximum(x, 0),
        "sum": lambda x, y: x.sum(),
    }


def run(quick=False):
    repeat = 5 if quick else 9
    rows = []
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    libs = {"gpugrad": gg}
    try:
        import torch
        torch.set_num_threads(1)
        libs["torch"] = torch
    except ImportError:
        pass

    for name, fn in OPS.items():
        row = {"bench": "overhead", "op": name}
        for lib_name, lib in libs.items():
            x = lib.tensor(a, requires_grad=True)
            y = lib.tensor(b, requires_grad=True)
            with lib.no_grad():
                row[f"{lib_name}_nograd_us"] = measure(lambda: fn(x, y), repeat=repeat)["median"] * 1e6
            row[f"{lib_name}_grad_us"] = measure(lambda: fn(x, y), repeat=repeat)["median"] * 1e6
        nfn = _numpy_ops()[name]
        row["numpy_us"] = measure(lambda: nfn(a, b), repeat=repeat)["median"] * 1e6
        rows.append(row)

    row = {"bench": "overhead", "op": "chain5_fwd_bwd"}
    for lib_name, lib in libs.items():
        x = lib.tensor(a, requires_grad=True)
        w = lib.tensor(b, requires_grad=True)
        fn = _chain(lib)
        row[f"{lib_name}_grad_us"] = measure(lambda: fn(x, w), repeat=repeat)["median"] * 1e6
    rows.append(row)
    return rows


def report(rows):
    has_torch = any("torch_grad_us" in r for r in rows)
    head = f"{'op':16s} {'gg no_grad':>11s} {'gg grad':>9s} {'numpy':>8s}"
    if has_torch:
        head += f" {'pt no_grad':>11s} {'pt grad':>9s} {'ratio ng':>9s} {'ratio g':>8s}"
    print(head + "   (microseconds per op)")
    for r in rows:
        line = f"{r['op']:16s} {r.get('gpugrad_nograd_us', float('nan')):11.2f} " \
               f"{r['gpugrad_grad_us']:9.2f} {r.get('numpy_us', float('nan')):8.2f}"
        if has_torch:
            png = r.get("torch_nograd_us", float("nan"))
            line += f" {png:11.2f} {r['torch_grad_us']:9.2f}"
            line += f" {r.get('gpugrad_nograd_us', float('nan')) / png:9.2f}"
            line += f" {r['gpugrad_grad_us'] / r['torch_grad_us']:8.2f}"
        print(line)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results",
                                                  "overhead.jsonl"))
    args = p.parse_args(argv)
    load = other_cpu_load()
    if load is not None and load > 0.25:
        print(f"warning: other processes used {load:.0%} of the CPU; figures may be noisy")
    rows = run(args.quick)
    for r in rows:
        r["other_cpu_load"] = load
    report(rows)
    write_jsonl(args.json, rows)


if __name__ == "__main__":
    main()
