"""Timing helpers shared by the benchmarks: interleaved repeats, load checks, the environment.

The machine these run on is shared, so every figure says how busy the *other* processes kept
it while it was taken. A figure taken under load is retried after a pause, and if the load
never goes away it is kept but marked ``"loaded"`` (never reported as clean).
"""
import json
import os
import platform
import statistics
import sys
import time

#: Others may use this fraction of the machine's CPU time (all cores) while a figure is taken.
MAX_LOAD = 0.15


def measure(fn, *, repeat=7, number=None, min_time=0.05):
    """Seconds per call of ``fn``: ``repeat`` samples of ``number`` calls each.

    ``number`` is chosen so one sample lasts at least ``min_time``. Returns a dict with the
    median, min and max per call.
    """
    res = compare({"fn": fn}, repeat=repeat, number=number, min_time=min_time)
    return res["fn"]


def _calibrate(fn, min_time):
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return number
        number *= 2 if dt == 0 else max(2, int(min_time / dt * 1.2))


def compare(fns, *, repeat=7, number=None, min_time=0.05):
    """Time several functions against each other, interleaved: each round runs every one of
    them once (``number`` calls), so a burst of load hits all of them alike.

    Returns ``{name: {"median", "min", "max", "samples", "number"}}`` in seconds per call.
    All functions get the same ``number`` (calibrated on the slowest), so their samples
    cover about the same stretch of time.
    """
    for fn in fns.values():
        fn()  # warm up caches, lazy imports, pools
    if number is None:
        number = min(_calibrate(fn, min_time) for fn in fns.values())
    samples = {k: [] for k in fns}
    perf = time.perf_counter
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = perf()
            for _ in range(number):
                fn()
            samples[name].append((perf() - t0) / number)
    return {k: {"median": statistics.median(s), "min": min(s), "max": max(s), "samples": s,
                "number": number} for k, s in samples.items()}


def ratio_stats(a, b):
    """gpugrad/other per round (interleaved samples pair up): median, min and max ratio."""
    r = [x / y for x, y in zip(a["samples"], b["samples"]) if y > 0]
    return {"median": statistics.median(r), "min": min(r), "max": max(r),
            "of_mins": a["min"] / b["min"]}


# ------------------------------------------------------------------------- machine load
def _cpu_times():
    """(busy jiffies of the whole machine, all jiffies, jiffies of this process)."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    with open("/proc/self/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals), int(parts[11]) + int(parts[12])


class LoadWatch:
    """Others' share of the machine's CPU time between ``start`` and ``stop`` (None where
    /proc is absent). Our own threads (BLAS, torch's pool) count as ours."""

    def __enter__(self):
        try:
            self._t0 = _cpu_times()
        except OSError:
            self._t0 = None
        self.load = None
        return self

    def __exit__(self, *exc):
        if self._t0 is not None:
            b1, t1, o1 = _cpu_times()
            b0, t0, o0 = self._t0
            if t1 > t0:
                self.load = max(0.0, ((b1 - b0) - (o1 - o0)) / (t1 - t0))
        return False


def other_cpu_load(seconds=0.5):
    """Fraction of the machine's CPU time used by *other* processes over ``seconds``."""
    with LoadWatch() as w:
        time.sleep(seconds)
    return w.load


def wait_quiet(max_wait, max_load=MAX_LOAD, probe=1.0):
    """Sleep until others' load falls under ``max_load`` or ``max_wait`` seconds pass."""
    deadline = time.monotonic() + max_wait
    load = other_cpu_load(probe)
    while load is not None and load > max_load and time.monotonic() < deadline:
        load = other_cpu_load(probe)
    return load


def guarded(take, *, retries=3, max_wait=20.0, max_load=MAX_LOAD, log=print):
    """Run ``take()`` (which returns a dict of figures) until others' load during it stays
    under ``max_load``; between tries, wait for the machine to quieten.

    Returns the figures with ``load`` and ``status`` ("clean" or "loaded": the least loaded
    try when none was clean).
    """
    best = None
    for attempt in range(retries):
        if attempt:
            wait_quiet(max_wait, max_load)
        with LoadWatch() as w:
            res = take()
        res["load"] = w.load
        if w.load is None or w.load <= max_load:
            res["status"] = "clean"
            res["tries"] = attempt + 1
            return res
        log(f"  (others used {w.load:.0%} of the CPU; retrying)")
        if best is None or w.load < best["load"]:
            best = res
    best["status"] = "loaded"
    best["tries"] = retries
    return best


# ------------------------------------------------------------------------- environment
def set_threads(n):
    """The same intra-op thread count for NumPy's BLAS, gpugrad's CPU kernels and PyTorch
    (like with like)."""
    import gpugrad
    gpugrad.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass


def environment():
    """What the figures depend on: CPU, cores, versions, BLAS and thread counts."""
    import numpy as np
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "cores": os.cpu_count(), "platform": platform.platform()}
    try:
        names = {"model name": "cpu", "cpu family": "cpu_family", "model": "cpu_model",
                 "cache size": "cpu_cache"}
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                name = names.get(key.strip())
                if name and name not in env:
                    env[name] = value.strip()
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info
        env["threadpools"] = [
            {k: i.get(k) for k in ("internal_api", "prefix", "version", "num_threads",
                                   "architecture", "threading_layer")}
            for i in threadpool_info()]
    except ImportError:
        env["threadpools"] = "threadpoolctl not installed"
    import gpugrad
    env["gpugrad_threads"] = gpugrad.get_num_threads()
    try:
        import torch
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
        env["torch_blas"] = "MKL" if torch.backends.mkl.is_available() else "other"
    except ImportError:
        env["torch"] = None
    try:
        import cupy
        env["cupy"] = cupy.__version__
    except ImportError:
        env["cupy"] = None
    env["env"] = {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT",
                                                 "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env["argv"] = " ".join([os.path.basename(sys.executable)] + sys.argv)
    return env


def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        for r in rows:
            f.write(json.dumps(r, default=str) + "\n")
