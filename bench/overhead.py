"""Per-op overhead on small tensors: microseconds per op for gpugrad, PyTorch and NumPy.

8x8 float32 ops (add, mul, matmul, relu, sum) with grad off and on, and forward+backward of
a short chain, timed interleaved in one process. On 8x8 tensors the arithmetic is almost
free, so these figures are the cost of the Python (gpugrad) or C++ (PyTorch) machinery.

    python bench/overhead.py            # full run
    python bench/overhead.py --quick    # fewer repeats
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench  # noqa: E402,F401  (thread-pool settings, before NumPy loads)
import numpy as np  # noqa: E402
from bench._common import RESULTS, Settings, case, torch_or_none  # noqa: E402
from bench._timing import write_jsonl  # noqa: E402
import gpugrad as gg  # noqa: E402

OPS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "matmul": lambda x, y: x @ y,
    "relu": lambda x, y: x.relu(),
    "sum": lambda x, y: x.sum(),
}

NUMPY_OPS = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "matmul": lambda x, y: x @ y,
    "relu": lambda x, y: np.maximum(x, 0),
    "sum": lambda x, y: x.sum(),
}

# The project's targets, as the most gpugrad's time may be over PyTorch's.
TARGET_NO_GRAD = 1.5
TARGET_GRAD = 2.0
TARGET_CHAIN = 0.6


def chain(x, w):
    """matmul, relu, mul, add, tanh (then sum) and backward: what one tiny training step of
    a graph costs in bookkeeping. Gradients accumulate into x.grad and w.grad each call."""
    h = (x @ w).relu()
    loss = ((h * 2.0 + 1.0).tanh()).sum()
    loss.backward()
    return loss


def run(settings):
    repeat = settings.rounds(9, 5)
    min_time = settings.rounds(0.05, 0.02)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8, 8)).astype(np.float32)
    b = rng.standard_normal((8, 8)).astype(np.float32)
    torch = torch_or_none()
    libs = {"gpugrad": gg} if torch is None else {"gpugrad": gg, "torch": torch}
    rows = []
    for name, fn in OPS.items():
        for mode in ("no_grad", "grad"):
            fns = {}
            for lib_name, lib in libs.items():
                x = lib.tensor(a, requires_grad=True)
                y = lib.tensor(b, requires_grad=True)
                # A no_grad context is entered once around the timed loop (as around a
                # model's forward), not per op: it is not part of the op's cost.
                fns[lib_name] = (lambda fn=fn, x=x, y=y: fn(x, y))
            if mode == "no_grad":
                fns["numpy"] = (lambda nf=NUMPY_OPS[name]: nf(a, b))
                rows.append(_under_no_grad(settings, libs, name, fns, repeat, min_time))
            else:
                rows.append(case(settings, "overhead", f"{name} grad", fns, repeat=repeat,
                                 min_time=min_time, target=TARGET_GRAD))
    fns = {}
    for lib_name, lib in libs.items():
        x = lib.tensor(a, requires_grad=True)
        w = lib.tensor(b, requires_grad=True)
        fns[lib_name] = (lambda x=x, w=w: chain(x, w))
    rows.append(case(settings, "overhead", "chain fwd+bwd", fns, repeat=repeat,
                     min_time=min_time, target=TARGET_CHAIN))
    return rows


def _under_no_grad(settings, libs, name, fns, repeat, min_time):
    # Enter every library's no_grad for the whole comparison: each library's mode is its own
    # thread-local switch, so both can be off at once.
    import contextlib
    with contextlib.ExitStack() as stack:
        for lib in libs.values():
            stack.enter_context(lib.no_grad())
        return case(settings, "overhead", f"{name} no_grad", fns, repeat=repeat,
                    min_time=min_time, target=TARGET_NO_GRAD)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", default=os.path.join(RESULTS, "overhead.jsonl"))
    args = p.parse_args(argv)
    rows = run(Settings(quick=args.quick))
    write_jsonl(args.json, rows)


if __name__ == "__main__":
    main()
