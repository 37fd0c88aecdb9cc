"""``gg.memory.profile()``: memory over the ops of a block, as a timeline and a per-op table.

While a profile is active, ``Function.apply`` hands each op to it (``function._profile_hook``,
None otherwise: one global test per op when nothing is profiled) and the engine's call into
each node's backward is wrapped (the method is swapped in on entry, put back on exit). Each
top-level op is one event; ops that run inside another op's forward or a node's backward
belong to it. Only the thread that entered the profile is recorded.
"""
import threading
import time

from . import _counters, _saved
from ._stats import _device

__all__ = ["profile", "Event"]

_active = None


class Event:
    """One op in the timeline: bytes allocated before/after it and at its peak."""

    __slots__ = ("index", "time", "name", "phase", "before", "after", "peak", "output_bytes",
                 "saved_bytes", "held_for_backward")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        return (f"Event({self.index}, {self.name!r}, {self.phase}, after={self.after}, "
                f"peak={self.peak})")


def _mib(n):
    return f"{n / 2 ** 20:.2f}"


def _tensors(out):
    from ..tensor import Tensor
    if isinstance(out, Tensor):
        return (out,)
    if isinstance(out, (tuple, list)):
        return tuple(o for o in out if isinstance(o, Tensor))
    return ()


class profile:
    """Record bytes allocated on a device over the ops run in a ``with`` block.

    ``prof.events`` is the timeline (one :class:`Event` per op, forward and backward);
    ``prof.table()`` the per-op summary (calls, output bytes, bytes saved for backward,
    the highest ``memory_allocated`` seen during the op); ``prof.plot(path)`` draws the
    timeline (needs matplotlib).

    Example::

        >>> with gg.memory.profile("cpu") as prof:
        ...     loss = model(x).sum()
        ...     loss.backward()
        >>> print(prof.table())
        >>> prof.plot("memory.png")
    """

    def __init__(self, device=None):
        self.device = device
        self.events = []
        self.start_bytes = self.end_bytes = self.peak_bytes = 0

    # ----------------------------------------------------------------- counters
    def _pair(self):
        kind, index = self._kind
        if kind == "cpu":
            return _counters.host, _counters.host
        from . import _cuda
        return _cuda.counters(index), _saved.device_counters(index)

    # ----------------------------------------------------------------- enter / exit
    def __enter__(self):
        global _active
        from ..autograd import function
        if _active is not None:
            raise RuntimeError("a memory profile is already active")
        self._kind = _device(self.device)
        if self._kind[0] == "cuda":
            from . import _cuda
            _cuda.ensure_hook()
            _cuda.sync(self._kind[1])
        self._thread = threading.get_ident()
        self._depth = 0
        self._phase = "forward"
        self._t0 = time.perf_counter()
        c, _ = self._pair()
        self.start_bytes = c.current
        self._outer_peak = c.peak
        c.peak = c.current
        self._orig_call = function.BackwardNode.__dict__["_call_backward"]
        call_fn = self._orig_call
        prof = self

        def call_backward(node, grads):
            if not prof.take():
                return call_fn(node, grads)
            prof._phase = "backward"
            return prof._event(node.name(), "backward", call_fn, (node, grads))

        function.BackwardNode._call_backward = call_backward
        function._profile_hook = self
        _active = self
        return self

    def __exit__(self, *exc):
        global _active
        from ..autograd import function
        function._profile_hook = None
        function.BackwardNode._call_backward = self._orig_call
        _active = None
        c, _ = self._pair()
        self.end_bytes = c.current
        self.peak_bytes = c.peak
        c.peak = max(self._outer_peak, c.peak)
        return False

    # ----------------------------------------------------------------- called by Function.apply
    def take(self):
        """Whether the op being applied is an event: top level, in the profiled thread."""
        return not self._depth and threading.get_ident() == self._thread

    def run(self, cls, args):
        # cls.apply again: take() now says no (depth 1), so the op runs as usual inside.
        return self._event(cls.__name__, self._phase, cls.apply, args)

    # ----------------------------------------------------------------- one event
    def _event(self, name, phase, fn, args):
        c, s = self._pair()
        before = c.current
        outer_peak = c.peak
        c.peak = before              # this op's own peak, folded back into the outer one below
        saved_before = s.saved_current
        self._depth += 1
        try:
            out = fn(*args)
        finally:
            self._depth -= 1
            op_peak = c.peak
            c.peak = max(outer_peak, op_peak)
        outs = _tensors(out)
        seen = set()
        out_bytes = 0
        saved = 0
        node = None
        for t in outs:
            d = t._data
            root = _saved._owner_and_device(d)[0]
            if id(root) not in seen:
                seen.add(id(root))
                out_bytes += d.nbytes
            if phase == "forward" and t.grad_fn is not None and node is None:
                node = t.grad_fn
        if node is not None and node.__dict__.get("_saved"):
            saved = _saved.node_saved_bytes(node)
        self.events.append(Event(
            index=len(self.events), time=time.perf_counter() - self._t0, name=name,
            phase=phase, before=before, after=c.current, peak=op_peak,
            output_bytes=out_bytes, saved_bytes=saved,
            held_for_backward=s.saved_current - saved_before))
        return out

    # ----------------------------------------------------------------- reports
    def rows(self):
        """Per-op rows (dicts) in order of first call."""
        rows = {}
        for e in self.events:
            key = (e.name, e.phase)
            r = rows.get(key)
            if r is None:
                r = rows[key] = {"op": e.name, "phase": e.phase, "calls": 0, "output_bytes": 0,
                                 "saved_bytes": 0, "peak": 0}
            r["calls"] += 1
            r["output_bytes"] += e.output_bytes
            r["saved_bytes"] += e.saved_bytes
            r["peak"] = max(r["peak"], e.peak)
        return list(rows.values())

    def table(self):
        """The per-op table as text (MiB): op, phase, calls, output, saved for backward, peak."""
        lines = [f"{'op':28s} {'phase':8s} {'calls':>6s} {'output MiB':>11s} "
                 f"{'saved MiB':>10s} {'peak MiB':>9s}"]
        for r in self.rows():
            lines.append(f"{r['op'][:28]:28s} {r['phase']:8s} {r['calls']:6d} "
                         f"{_mib(r['output_bytes']):>11s} {_mib(r['saved_bytes']):>10s} "
                         f"{_mib(r['peak']):>9s}")
        lines.append(f"start {_mib(self.start_bytes)} MiB, peak {_mib(self.peak_bytes)} MiB, "
                     f"end {_mib(self.end_bytes)} MiB over {len(self.events)} ops")
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def plot(self, path, title=None):
        """Draw bytes allocated after each op (and each op's peak) to ``path`` (PNG, SVG...)."""
        try:
            # A bare Figure on the Agg canvas: no pyplot, so the user's backend is untouched.
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError as e:
            raise RuntimeError("profile.plot() needs matplotlib: pip install "
                               "'gpugrad[plot]' (or pip install matplotlib)") from e
        xs = list(range(len(self.events)))
        after = [e.after / 2 ** 20 for e in self.events]
        peak = [e.peak / 2 ** 20 for e in self.events]
        fig = Figure(figsize=(9, 4))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(xs, after, label="allocated after op", color="tab:blue")
        ax.plot(xs, peak, label="peak during op", color="tab:red", linewidth=0.8, alpha=0.7)
        back = [i for i, e in enumerate(self.events) if e.phase == "backward"]
        if back:
            ax.axvspan(back[0] - 0.5, back[-1] + 0.5, color="0.9", label="backward")
        ax.set_xlabel("op")
        ax.set_ylabel("MiB")
        ax.set_title(title or "gpugrad memory timeline")
        ax.legend(loc="upper left")
        fig.tight_layout()
        fig.savefig(path)
        return path
