"""Timing helpers shared by the benchmarks: repeat, report median/min/max, refuse noisy runs."""
import json
import os
import statistics
import time


def measure(fn, *, repeat=7, number=None, min_time=0.05):
    """Seconds per call of ``fn``: ``repeat`` samples of ``number`` calls each.

    ``number`` is chosen so one sample lasts at least ``min_time``. Returns a dict with the
    median, min and max per call.
    """
    fn()  # warm up caches and lazy imports
    if number is None:
        number = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            dt = time.perf_counter() - t0
            if dt >= min_time:
                break
            number *= 2 if dt == 0 else max(2, int(min_time / dt * 1.2))
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "number": number, "repeat": repeat}


def other_cpu_load(seconds=0.5):
    """Fraction of the machine's CPU time used by *other* processes over ``seconds``.

    Read from /proc/stat and our own /proc/self/stat; None where /proc is absent.
    """
    try:
        def total_busy():
            with open("/proc/stat") as f:
                vals = [int(v) for v in f.readline().split()[1:]]
            idle = vals[3] + vals[4]
            return sum(vals) - idle, sum(vals)

        def own():
            with open("/proc/self/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            return int(parts[11]) + int(parts[12])
        b0, t0 = total_busy()
        o0 = own()
        time.sleep(seconds)
        b1, t1 = total_busy()
        o1 = own()
        if t1 == t0:
            return 0.0
        return max(0.0, ((b1 - b0) - (o1 - o0)) / (t1 - t0))
    except OSError:
        return None


def write_jsonl(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
