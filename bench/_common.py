"""What the speed benchmarks share: the libraries under test, one case -> one JSON row, and
the markdown table of ratios."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._timing import MAX_LOAD, compare, guarded, ratio_stats  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


class Settings:
    """Options every benchmark takes (``--quick`` makes fewer, shorter rounds)."""

    def __init__(self, quick=False, max_load=MAX_LOAD, retries=3, max_wait=20.0, log=print):
        self.quick = quick
        self.max_load = max_load
        self.retries = retries
        self.max_wait = max_wait
        self.log = log

    def rounds(self, full, quick):
        return quick if self.quick else full


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def case(settings, bench, name, fns, *, repeat, min_time=0.05, number=None, unit="us",
         target=None, extra=None):
    """Time ``fns`` ({library: callable}) interleaved, under the load guard; one JSON row.

    ``target`` is the most gpugrad/torch may be (median of per-round ratios) where the
    project set one.
    """
    def take():
        return {"times": compare(fns, repeat=repeat, min_time=min_time, number=number)}

    res = guarded(take, retries=settings.retries, max_wait=settings.max_wait,
                  max_load=settings.max_load, log=settings.log)
    scale = 1e6 if unit == "us" else 1e3
    times = res["times"]
    row = {"bench": bench, "case": name, "unit": unit, "status": res["status"],
           "load": res["load"], "tries": res["tries"], "target": target}
    for lib, t in times.items():
        row[lib] = {k: t[k] * scale for k in ("median", "min", "max")}
        row[lib]["n"] = f"{len(t['samples'])}x{t['number']}"
    for other in ("torch", "numpy"):
        if "gpugrad" in times and other in times:
            row[f"ratio_{other}"] = ratio_stats(times["gpugrad"], times[other])
    if target is not None and "ratio_torch" in row:
        row["met"] = row["ratio_torch"]["median"] <= target
    if extra:
        row.update(extra)
    _print_row(row, settings.log)
    return row


def _fmt(t):
    return f"{t['median']:.3g} ({t['min']:.3g}-{t['max']:.3g})" if t else "-"


def _print_row(row, log):
    r = row.get("ratio_torch")
    parts = [f"{row['bench']:9s} {row['case']:28s}", f"gg {_fmt(row.get('gpugrad'))}"]
    if "torch" in row:
        parts.append(f"pt {_fmt(row['torch'])}")
    if "numpy" in row:
        parts.append(f"np {_fmt(row['numpy'])}")
    if r:
        parts.append(f"gg/pt {r['median']:.2f}")
    if "met" in row:
        parts.append(f"target <={row['target']} {'met' if row['met'] else 'MISSED'}")
    if row["status"] != "clean":
        parts.append(f"[{row['status']}: others {row['load']:.0%}]")
    log("  ".join(parts) + f"  ({row['unit']})")


def markdown(rows):
    """The table of ratios: one line per case."""
    lines = ["| bench | case | gpugrad | PyTorch | NumPy | gg/pt (median of rounds) | "
             "gg/pt (of mins) | target | status |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        if "case" not in row:
            continue
        r = row.get("ratio_torch")
        target = "-" if "met" not in row else \
            f"<= {row['target']} {'met' if row['met'] else '**missed**'}"
        status = row["status"] if row["load"] is None else \
            f"{row['status']} ({row['load']:.0%})"
        lines.append(
            f"| {row['bench']} | {row['case']} | {_fmt(row.get('gpugrad'))} | "
            f"{_fmt(row.get('torch'))} | {_fmt(row.get('numpy'))} | "
            f"{'-' if not r else format(r['median'], '.2f')} | "
            f"{'-' if not r else format(r['of_mins'], '.2f')} | {target} | {status} |")
    lines.append("")
    lines.append("Times are median (min-max) over interleaved rounds: overhead in microseconds "
                 "per op, train and inference in milliseconds per step or forward. gg/pt is "
                 "the median over rounds of gpugrad's time over PyTorch's in the same round. "
                 "Status: clean, or loaded (figure taken while other processes used more than "
                 "the allowed share of the CPU, in brackets).")
    return "\n".join(lines)
