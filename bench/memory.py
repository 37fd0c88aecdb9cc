"""Peak memory of an MLP, a small CNN and a transformer block: gpugrad against PyTorch.

For each model and mode (forward with grad, forward+backward, no_grad, inference_mode, and
forward+backward with activation checkpointing) it prints the peak bytes, the analytic floor
beside them, writes JSON lines to bench/results/memory.jsonl and a PNG chart.

    python bench/memory.py              # the table, JSON lines and bench/results/memory.png
    python bench/memory.py --overhead   # what the counters cost per op (A/B in one process)

How each figure is taken (on cpu, where PyTorch offers no allocator statistics):

- ``gg``: ``gg.max_memory_allocated('cpu')``, the storage gpugrad's tensors hold (each owning
  buffer once), updated as each op's output is made: a peak at op boundaries. NumPy scratch
  that lives and dies inside one op is not in it.
- ``gg true``: the same run under tracemalloc (every allocation, NumPy scratch inside ops and
  Python objects included): gpugrad's real peak on this machine.
- ``torch``: a ``TorchDispatchMode`` sees every aten op (backward and recomputation included),
  registers the storages of its inputs and outputs with weak references, and after each op sums
  the storages still alive: the same op-boundary accounting as ``gg``, applied to PyTorch.
  Scratch inside an aten kernel is not seen (most CPU kernels allocate only their outputs).
- ``saved``: bytes held for backward after the forward: ``memory_stats()`` for gpugrad,
  unique storages passed to ``torch.autograd.graph.saved_tensors_hooks`` for PyTorch.
- ``floor``: the analytic minimum from the op table in docs/memory.md, a lower bound: weights
  + input + what must be alive at the worst moment (without grad: an op's input and output,
  plus a residual that waits; with grad: every buffer the table says to keep; after backward:
  the weights' gradients; checkpointed: block boundaries plus one block's saves). Transients
  at op boundaries (an output made while its input still lives) are not in it.

Peaks are reported whole (weights and input included); both libraries run the same shapes
and the same module structure, in float32, one after the other in one process.
"""
import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gpugrad as gg  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
MODES = ["fwd_grad", "fwd_bwd", "no_grad", "inference", "checkpoint"]
F32 = 4


# --------------------------------------------------------------------------- models
def _floors(weights, x, out, no_grad, kept, ckpt):
    """The analytic floors of the five modes (lower bounds, transients at op boundaries not
    included): ``no_grad`` what the worst moment of a plain forward holds beyond weights and
    input; ``kept`` what the op table says the nodes must hold after a forward with grad
    (beyond weights and input); ``ckpt`` block boundaries plus the largest block's saves."""
    grads_end = 2 * weights + x + out          # after backward: weights, grads, input, output
    return {"no_grad": weights + x + no_grad, "inference": weights + x + no_grad,
            "fwd_grad": weights + x + kept, "fwd_bwd": max(weights + x + kept, grads_end),
            "checkpoint": max(weights + x + ckpt, grads_end)}


def mlp(lib, layers=8, width=512, batch=512):
    nn = lib.nn
    mods = []
    for _ in range(layers):
        mods += [nn.Linear(width, width), nn.ReLU()]
    model = nn.Sequential(*mods)
    blocks = [nn.Sequential(*mods[i:i + 4]) for i in range(0, len(mods), 4)]  # 2 layers each
    act = batch * width * F32
    weights = layers * (width * width + width) * F32
    # no grad: a layer's input and output. Kept: each ReLU's output (the next Linear keeps
    # the same buffer; Linear 1 keeps x, which is there anyway; weights are there anyway).
    # Checkpoint: the block outputs, then one block's two ReLU outputs again.
    return model, blocks, (batch, width), _floors(
        weights, act, act, 2 * act, layers * act, len(blocks) * act + 2 * act)


def cnn(lib, batch=64):
    nn = lib.nn
    stage1 = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    stage2 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, 10))
    model = nn.Sequential(stage1, stage2, head)
    x = batch * 3 * 32 * 32 * F32
    c1 = batch * 16 * 32 * 32 * F32
    p1 = c1 // 4
    c2 = batch * 32 * 16 * 16 * F32
    p2 = c2 // 4
    out = batch * 10 * F32
    weights = (16 * 27 + 16 + 32 * 144 + 32 + 2048 * 10 + 10) * F32
    # Max-pool indices are int64: twice the bytes of the float32 values they index.
    # Kept: ReLU outputs, pool indices, conv2's input, the head's input (p2).
    kept = c1 + 2 * p1 + p1 + c2 + 2 * p2 + p2 + out
    # Checkpoint: stage outputs, then stage 1's ReLU output and indices again.
    return model, [stage1, stage2, head], (batch, 3, 32, 32), _floors(
        weights, x, out, 2 * c1, kept, p1 + p2 + out + c1 + 2 * p1)


def transformer(lib, batch=16, length=128, dim=256, heads=4, ff=1024):
    nn = lib.nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(dim)
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)

        def forward(self, x):
            h = self.ln(x)
            return x + self.attn(h, h, h, need_weights=False)[0]

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(dim)
            self.fc1, self.act, self.fc2 = nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim)

        def forward(self, x):
            return x + self.fc2(self.act(self.fc1(self.ln(x))))

    blocks = [Attention(), FeedForward()]
    model = nn.Sequential(*blocks)
    e = batch * length * dim * F32
    weights = (4 * dim * dim + 4 * dim + 2 * dim * ff + ff + dim + 4 * dim) * F32
    # No grad, worst moment (the FF block): the residual x1, the hidden (4e), GELU's output.
    # Kept: LN1's output, q/k/v (one 3e buffer), the attention output (with its row
    # log-sum-exp, tiny), x1, LN2's output, the hidden (GELU's input), GELU's output, out.
    kept = e + 3 * e + e + e + e + 4 * e + 4 * e + e
    # Checkpoint: x1 and out, then the FF block's LN2 output, hidden and GELU output again.
    return model, blocks, (batch, length, dim), _floors(
        weights, e, e, e + 8 * e, kept, 2 * e + 9 * e)


MODELS = {"mlp": mlp, "cnn": cnn, "transformer": transformer}


def _copy_weights(src, dst, torch):
    """PyTorch's model gets gpugrad's initial weights (the same numbers in both)."""
    with torch.no_grad():
        for (_, p), (_, q) in zip(src.named_parameters(), dst.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))


# --------------------------------------------------------------------------- one run
def _run(lib, model, blocks, x, mode, checkpoint):
    """Run one mode; returns the output (dropped by the caller)."""
    if mode in ("no_grad", "inference"):
        ctx = lib.no_grad() if mode == "no_grad" else lib.inference_mode()
        with ctx:
            return model(x)
    if mode == "checkpoint":
        h = x
        for b in blocks:
            h = checkpoint(b, h, use_reentrant=False)
    else:
        h = model(x)
    if mode != "fwd_grad":
        h.float().pow(2).mean().backward()
    return h


def _zero(model):
    for p in model.parameters():
        p.grad = None


def measure_gg(model, blocks, shape, mode, true_peak=False):
    from gpugrad.utils.checkpoint import checkpoint
    gg.manual_seed(0)
    x = gg.randn(*shape)
    _zero(model)
    gc.collect()
    fixed = sum(p.nbytes for p in model.parameters()) + x.nbytes
    if true_peak:
        tracemalloc.start()
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
    gg.reset_peak_memory_stats("cpu")
    base = gg.memory_allocated("cpu")
    saved0 = gg.memory_stats("cpu")["saved_for_backward_bytes.current"]
    out = _run(gg, model, blocks, x, mode, checkpoint)
    saved = gg.memory_stats("cpu")["saved_for_backward_bytes.current"] - saved0
    if true_peak:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result = fixed + peak - start
    else:
        result = fixed + gg.max_memory_allocated("cpu") - base
    del out
    _zero(model)
    return result, saved


def _torch_tools(torch):
    from torch.multiprocessing.reductions import StorageWeakRef
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    class LiveStorages(TorchDispatchMode):
        """Sum of the storages alive after each aten op (inputs and outputs registered)."""

        def __init__(self):
            super().__init__()
            self.live, self.peak = {}, 0

        def _add(self, t):
            if isinstance(t, torch.Tensor):
                s = t.untyped_storage()
                key = s.data_ptr()
                held = self.live.get(key)
                if held is None or held[0].expired():
                    self.live[key] = (StorageWeakRef(s), s.nbytes())

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in tree_flatten((args, kwargs, out))[0]:
                self._add(t)
            current = 0
            for key in list(self.live):
                ref, n = self.live[key]
                if ref.expired():
                    del self.live[key]
                else:
                    current += n
            self.peak = max(self.peak, current)
            return out

    return LiveStorages


def measure_torch(torch, model, blocks, shape, mode):
    from torch.utils.checkpoint import checkpoint
    LiveStorages = _torch_tools(torch)
    torch.manual_seed(0)
    x = torch.randn(*shape)
    _zero(model)
    gc.collect()
    storages = {}

    def pack(t):
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    acc = LiveStorages()
    for p in list(model.parameters()) + [x]:
        acc._add(p)
    with acc, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = _run(torch, model, blocks, x, mode, checkpoint)
    saved = sum(storages.values())
    del out
    _zero(model)
    return acc.peak, saved


# --------------------------------------------------------------------------- the table
def run(models, with_torch=True):
    torch = None
    if with_torch:
        try:
            import torch
            torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
        except ImportError:
            torch = None
    rows = []
    for name in models:
        gg.manual_seed(0)
        model, blocks, shape, floor = MODELS[name](gg)
        if torch is not None:
            tmodel, tblocks, _, _ = MODELS[name](torch)
            _copy_weights(model, tmodel, torch)
        for mode in MODES:
            t0 = time.perf_counter()
            peak, saved = measure_gg(model, blocks, shape, mode)
            true, _ = measure_gg(model, blocks, shape, mode, true_peak=True)
            row = {"bench": "memory", "model": name, "mode": mode, "floor": floor[mode],
                   "gg_peak": peak, "gg_true_peak": true}
            if mode == "fwd_grad":
                row["gg_saved"] = saved
            if torch is not None:
                tpeak, tsaved = measure_torch(torch, tmodel, tblocks, shape, mode)
                row["torch_peak"] = tpeak
                row["ratio"] = peak / tpeak
                row["ratio_true"] = true / tpeak
                if mode == "fwd_grad":
                    row["torch_saved"] = tsaved
            row["seconds"] = round(time.perf_counter() - t0, 2)
            rows.append(row)
    return rows


def _mib(n):
    return f"{n / 2 ** 20:8.2f}" if n is not None else f"{'-':>8s}"


def report(rows):
    torch = any("torch_peak" in r for r in rows)
    head = (f"{'model':12s} {'mode':11s} {'floor':>8s} {'gg':>8s} {'gg true':>8s} "
            f"{'gg saved':>8s}")
    if torch:
        head += f" {'torch':>8s} {'pt saved':>8s} {'gg/pt':>6s} {'true/pt':>7s}"
    print(head + "   (MiB)")
    for r in rows:
        line = (f"{r['model']:12s} {r['mode']:11s} {_mib(r['floor'])} {_mib(r['gg_peak'])} "
                f"{_mib(r['gg_true_peak'])} {_mib(r.get('gg_saved'))}")
        if torch:
            line += (f" {_mib(r['torch_peak'])} {_mib(r.get('torch_saved'))} "
                     f"{r['ratio']:6.2f} {r['ratio_true']:7.2f}")
        print(line)


def plot(rows, path):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: no chart (pip install 'gpugrad[plot]')")
        return None
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig = Figure(figsize=(5 * len(models), 4))
    FigureCanvasAgg(fig)
    series = [("floor", "floor", "0.7"), ("gg_peak", "gpugrad", "tab:blue"),
              ("gg_true_peak", "gpugrad (true)", "tab:cyan"), ("torch_peak", "PyTorch",
                                                              "tab:orange")]
    for k, name in enumerate(models):
        ax = fig.add_subplot(1, len(models), k + 1)
        mine = [r for r in rows if r["model"] == name]
        width = 0.8 / len(series)
        for j, (key, label, color) in enumerate(series):
            vals = [r.get(key, 0) / 2 ** 20 for r in mine]
            ax.bar([i + j * width for i in range(len(mine))], vals, width, label=label,
                   color=color)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(mine))])
        ax.set_xticklabels([r["mode"] for r in mine], rotation=30, fontsize=8)
        ax.set_title(name)
        ax.set_ylabel("peak MiB")
        if k == 0:
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


# --------------------------------------------------------------------------- counter cost
def _strip(fn, drop):
    """``fn`` compiled again without the lines that contain any of ``drop`` (a baseline)."""
    import inspect
    import textwrap
    src = textwrap.dedent(inspect.getsource(fn))
    lines = [ln for ln in src.splitlines()
             if not any(d in ln for d in drop) and not ln.startswith("@")]
    if len(lines) == len([ln for ln in src.splitlines() if not ln.startswith("@")]):
        raise RuntimeError(f"no memory hook found in {fn.__qualname__}: cannot build baseline")
    ns = {}
    exec(compile("\n".join(lines), fn.__code__.co_filename, "exec"), fn.__globals__, ns)
    return ns[fn.__name__].__code__


# The most the counters may slow an op of bench/overhead.py (the project's target).
OVERHEAD_TARGET = 1.05


def overhead(rounds=80):
    """Per-op time with and without the memory hooks, interleaved in one process.

    The baseline is gpugrad's own ``_make``, ``_record``, ``_save``, ``_release`` and
    ``Function.apply`` recompiled without the lines that call into gpugrad.memory (swapped in by ``__code__``),
    so both variants run in the same process, alternating, on CPU time.
    """
    import numpy as np
    tensor_mod = sys.modules["gpugrad.tensor"]
    from gpugrad.autograd import function
    targets = [
        (tensor_mod._make, ["Memory accounting", "under 1 KiB are skipped", "data.nbytes >= "
                            "1024 or data.base", "_memory_track("]),
        (function._record, ["_memory_saved.", "if held:"]),
        (function._save, ["_TRACK_MIN_BYTES"]),
        (function.BackwardNode._release, ["_memory_saved."]),
        (function.Function.apply.__func__, ["_profile_hook"]),
    ]
    variants = {"new": [f.__code__ for f, _ in targets],
                "base": [_strip(f, d) for f, d in targets]}

    def use(name):
        for (f, _), code in zip(targets, variants[name]):
            f.__code__ = code

    from bench.overhead import OPS, chain
    a = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    x, y = gg.tensor(a, requires_grad=True), gg.tensor(a.copy(), requires_grad=True)
    # bench/overhead.py's cases: each op with grad off and on, and its chain.
    cases = [(f"{op} {mode}", (lambda fn=fn: fn(x, y)), mode == "no_grad")
             for mode in ("no_grad", "grad") for op, fn in OPS.items()]
    cases.append(("chain fwd+bwd", lambda: chain(x, y), False))
    times = {(c, v): [] for c, _, _ in cases for v in variants}
    try:
        for r in range(rounds):
            for v in (("base", "new") if r % 2 else ("new", "base")):
                use(v)
                for name, fn, no_grad in cases:
                    n = 200 if name.startswith("chain") else 3000
                    with gg.set_grad_enabled(not no_grad):
                        t0 = time.process_time()
                        for _ in range(n):
                            fn()
                        times[(name, v)].append((time.process_time() - t0) / n * 1e6)
    finally:
        use("new")
    rows = []
    # Two estimates: the best time of each variant, and the median over rounds of the ratio
    # within a round (both variants minutes apart at most: the suite's own statistic).
    print(f"{'op (8x8 float32)':18s} {'without us':>10s} {'with us':>8s} {'of mins':>8s} "
          f"{'median':>7s}   (CPU time; target: median <= {OVERHEAD_TARGET})")
    for name, _, _ in cases:
        base, new = times[(name, "base")], times[(name, "new")]
        b, w = min(base), min(new)
        paired = statistics.median(n / b for n, b in zip(new, base))
        verdict = "met" if paired <= OVERHEAD_TARGET else "MISSED"
        print(f"{name:18s} {b:10.3f} {w:8.3f} {w / b:8.3f} {paired:7.3f}   {verdict}")
        rows.append({"bench": "memory_overhead", "op": name, "without_us": b, "with_us": w,
                     "ratio": w / b, "ratio_median": paired, "target": OVERHEAD_TARGET,
                     "met": paired <= OVERHEAD_TARGET})
    # The suite as a whole, every case weighing the same: the geometric mean of the cases'
    # ratios within each round, its median over rounds.
    per_round = [statistics.geometric_mean(times[(name, "new")][r] / times[(name, "base")][r]
                                           for name, _, _ in cases) for r in range(rounds)]
    paired = statistics.median(per_round)
    verdict = "met" if paired <= OVERHEAD_TARGET else "MISSED"
    print(f"{'geometric mean':18s} {'':10s} {'':8s} {'':8s} {paired:7.3f}   {verdict}")
    rows.append({"bench": "memory_overhead", "op": "geometric mean", "ratio_median": paired,
                 "target": OVERHEAD_TARGET, "met": paired <= OVERHEAD_TARGET})
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--overhead", action="store_true", help="time the counters' cost per op")
    p.add_argument("--json", default=os.path.join(RESULTS, "memory.jsonl"))
    p.add_argument("--png", default=os.path.join(RESULTS, "memory.png"))
    args = p.parse_args(argv)
    os.makedirs(RESULTS, exist_ok=True)
    if args.overhead:
        rows = overhead()
    else:
        rows = run(args.models.split(","), not args.no_torch)
        report(rows)
        above = [f"{r['model']}/{r['mode']} ({r['ratio']:.2f}x)" for r in rows
                 if r.get("ratio", 0) > 1.0]
        if above:
            print("gpugrad above PyTorch (op-boundary peaks): " + ", ".join(above))
        if plot(rows, args.png):
            print(f"chart: {args.png}")
    with open(args.json, "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
