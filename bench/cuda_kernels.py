"""Fused CUDA kernels: time per launch (CUDA events) and achieved memory bandwidth against the
device's peak. Needs CuPy and a GPU; says so and exits cleanly otherwise.

Each kernel streams its arrays once, so its speed limit is memory bandwidth: bytes moved
(arrays read, plus outputs written, plus in-place state read before it is written) over the
time per launch. The peak is the one the device reports (2 x memory clock x bus width); a
device-to-device copy of the same size is timed beside it as the practically reachable rate.

    python bench/cuda_kernels.py [--quick] [--size 16777216]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import RESULTS  # noqa: E402
from bench._timing import write_jsonl  # noqa: E402


def _cupy_or_reason():
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed"
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return None, "CuPy sees no GPU"
    except Exception as e:  # CUDARuntimeError when there is no driver or device
        return None, f"CuPy sees no GPU ({type(e).__name__}: {e})"
    return cupy, None


def peak_bandwidth(cp):
    """The device's theoretical DRAM bandwidth in bytes/s (None if it does not say)."""
    attrs = cp.cuda.Device().attributes
    clock_khz = attrs.get("MemoryClockRate", 0)
    bus_bits = attrs.get("GlobalMemoryBusWidth", 0)
    if not clock_khz or not bus_bits:
        return None
    return 2.0 * clock_khz * 1e3 * bus_bits / 8.0


def time_launch(cp, fn, repeat, inner):
    """Seconds per call of ``fn`` from CUDA events around ``inner`` back-to-back launches:
    (median, min, max) over ``repeat`` samples."""
    fn()
    cp.cuda.Device().synchronize()
    start, end = cp.cuda.Event(), cp.cuda.Event()
    samples = []
    for _ in range(repeat):
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        samples.append(cp.cuda.get_elapsed_time(start, end) / 1e3 / inner)
    samples.sort()
    return samples[len(samples) // 2], samples[0], samples[-1]


def _cases(cp, n, dtype):
    """name -> (callable, bytes moved per launch). Outputs are preallocated and passed in, so
    the figure is the kernel's, not the allocator's."""
    from gpugrad.backend.kernels import launch
    rng = cp.random.default_rng(0)
    a, b, c = (rng.standard_normal(n, dtype=dtype) for _ in range(3))
    u = rng.random(n, dtype=dtype)
    out = cp.empty(n, dtype)
    mask = cp.empty(n, cp.bool_)
    item = cp.dtype(dtype).itemsize
    v = item * n
    cases = {}
    for name in ("relu_bwd", "tanh_bwd", "sigmoid_bwd", "gelu_bwd", "silu_bwd"):
        cases[name] = (lambda name=name: launch(name, a, b, out), 3 * v)
    cases["dropout_fwd"] = (lambda: launch("dropout_fwd", a, u, 0.1, 1 / 0.9, mask, out),
                            3 * v + n)
    cases["dropout_bwd"] = (lambda: launch("dropout_bwd", a, mask, 1 / 0.9, out), 2 * v + n)
    cases["mse_bwd"] = (lambda: launch("mse_bwd", a, b, c, 1.0 / n, out), 4 * v)
    # Cross-entropy gradient over (rows, 1024 classes): p read, gx written, targets per row.
    classes = 1024
    rows = n // classes
    p = a[:rows * classes].reshape(rows, classes)
    gx = out[:rows * classes].reshape(rows, classes)
    target = rng.integers(0, classes, (rows, 1)).astype(cp.int64)
    cls = cp.arange(classes, dtype=cp.int64)
    gy = cp.asarray(1.0 / rows, dtype)
    cases["softmax_xent_bwd"] = (
        lambda: launch("softmax_xent_bwd", p, target, cls, gy, 1.0, 0.0, classes, -100, gx),
        2 * item * rows * classes + 8 * rows + 8 * classes)
    # Optimizer updates: the gradient read; parameter and state read and written.
    param, m1, m2 = a.copy(), cp.zeros(n, dtype), cp.zeros(n, dtype)
    cases["sgd_update"] = (
        lambda: launch("sgd_update", b, 0.01, 0.9, 0.0, 0.0, False, False, False, param, m1),
        5 * v)
    cases["adam_update"] = (
        lambda: launch("adam_update", b, 1e-3, 0.9, 0.999, 1e-8, 0.0, 0.1, 0.05, False,
                       False, False, param, m1, m2, m2),
        7 * v)
    cases["copy (reference)"] = (lambda: cp.copyto(out, a), 2 * v)
    return cases


def run(quick=False, size=None, dtype="float32", log=print):
    cp, reason = _cupy_or_reason()
    if cp is None:
        log(f"cuda kernels: skipped ({reason})")
        return [{"bench": "cuda_kernels", "skipped": reason}]
    n = size or (1 << 22 if quick else 1 << 24)
    peak = peak_bandwidth(cp)
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    log(f"cuda kernels on {name}, {n} {dtype} elements; peak "
        f"{'unknown' if peak is None else f'{peak / 1e9:.0f} GB/s'}")
    rows = []
    for case, (fn, nbytes) in _cases(cp, n, getattr(cp, dtype)).items():
        med, lo, hi = time_launch(cp, fn, repeat=5 if quick else 20, inner=10)
        bw = nbytes / med
        row = {"bench": "cuda_kernels", "case": case, "device": name, "n": n, "dtype": dtype,
               "us": {"median": med * 1e6, "min": lo * 1e6, "max": hi * 1e6},
               "bytes": nbytes, "GBps": bw / 1e9,
               "of_peak": None if peak is None else bw / peak}
        rows.append(row)
        frac = "" if peak is None else f"  {bw / peak:6.1%} of peak"
        log(f"  {case:18s} {med * 1e6:9.1f} us  {bw / 1e9:8.1f} GB/s{frac}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", type=int, default=None, help="elements per array")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--json", default=os.path.join(RESULTS, "cuda_kernels.jsonl"))
    args = p.parse_args(argv)
    write_jsonl(args.json, run(args.quick, args.size, args.dtype))


if __name__ == "__main__":
    main()
