"""Leaks: long training and inference loops hold memory flat with the garbage collector off,
and a graph dropped without backward is freed at once.

Graphs have no reference cycles (nodes point at inputs, never back at outputs), so reference
counting alone must free everything; ``gc.disable()`` makes any cycle show up as growth.
"""
import gc
import os
import weakref

import numpy as np
import pytest

import gpugrad as gg

STEPS = 2000
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss():
    """Resident bytes of this process (Linux), or None elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return None


class _GcOff:
    def __enter__(self):
        gc.collect()
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


def _mlp(seed=0):
    gg.manual_seed(seed)
    model = gg.nn.Sequential(gg.nn.Linear(64, 128), gg.nn.ReLU(), gg.nn.Linear(128, 10))
    rng = np.random.default_rng(seed)
    x = gg.tensor(rng.standard_normal((32, 64)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 10, 32))
    return model, x, y


def _watch(step_fn, steps, warmup=200):
    """Run ``step_fn`` with gc off; the gpugrad counter, RSS and tracked-object count right
    after warm-up and at the end."""
    marks = {}
    with _GcOff():
        for i in range(steps):
            step_fn(i)
            if i + 1 in (warmup, steps):
                marks[i + 1] = (gg.memory_allocated("cpu"), _rss(), len(gc.get_objects()))
    return marks[warmup], marks[steps]


def _assert_flat(start, end, what):
    (mem0, rss0, obj0), (mem1, rss1, obj1) = start, end
    assert mem1 == mem0, f"{what}: gg.memory_allocated went {mem0} -> {mem1}"
    # A leak of one step's temporaries (~50 KB) over 1800 steps would be ~90 MB.
    if rss0 is not None:
        assert rss1 - rss0 < 8 * 2 ** 20, f"{what}: RSS grew by {(rss1 - rss0) / 2 ** 20:.1f} MiB"
    assert obj1 - obj0 < 200, f"{what}: {obj1 - obj0} more gc-tracked objects"


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_loop_is_flat(optimizer):
    model, x, y = _mlp()
    opt = (gg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if optimizer == "sgd"
           else gg.optim.Adam(model.parameters(), lr=1e-3))

    def step(i):
        opt.zero_grad()
        loss = gg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    start, end = _watch(step, STEPS)
    _assert_flat(start, end, f"training with {optimizer}")
    assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] == 0


@pytest.mark.slow
def test_no_grad_inference_loop_is_flat():
    model, x, _ = _mlp()
    outputs = []

    def step(i):
        with gg.no_grad():
            out = model(x)
        assert out.grad_fn is None
        outputs.append(float(out[0, 0]))        # keep a number, not the tensor

    start, end = _watch(step, STEPS)
    _assert_flat(start, end, "no_grad inference")
    assert len(set(outputs)) == 1
    assert gg.memory_stats("cpu")["saved_for_backward_bytes.peak"] >= 0


def _saved_arrays(root):
    """Weak references to every array the graph below ``root`` saved for backward."""
    refs, seen, stack = [], set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        for s in getattr(node, "_saved", None) or ():
            data = getattr(s, "data", None)
            if data is None and getattr(s, "tensor", None) is not None:
                data = s.tensor._data
            if isinstance(data, np.ndarray):
                refs.append(weakref.ref(data))
        stack.extend(fn for fn, *_ in node.next_functions)
    return refs


def _graph_without_backward():
    w = gg.randn(256, 256, requires_grad=True)
    x = gg.randn(64, 256)
    h = gg.tanh(x @ w)              # tanh saves its output: an array only the graph holds
    loss = (gg.sigmoid(h) * h).sum()
    return w, loss


def test_dropped_graph_is_freed_at_once():
    with _GcOff():
        w, loss = _graph_without_backward()
        base = gg.memory_allocated("cpu")
        refs = _saved_arrays(loss)
        node = weakref.ref(loss.grad_fn)
        assert refs and all(r() is not None for r in refs)
        held = gg.memory_stats("cpu")["saved_for_backward_bytes.current"]
        assert held > 0
        del loss
        assert node() is None, "the graph outlived its last tensor"
        dead = [r() is None for r in refs]
        # Saved inputs the caller still holds (w) stay; arrays only the graph held are gone.
        assert sum(dead) >= len(refs) - 2, f"{dead.count(False)} saved arrays still alive"
        assert gg.memory_allocated("cpu") < base
        assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] < held


def test_backward_frees_saved_arrays_while_the_loss_lives():
    with _GcOff():
        w, loss = _graph_without_backward()
        refs = _saved_arrays(loss)
        only_graph = [r for r in refs if r() is not w._data]
        loss.backward()
        assert all(r() is None for r in only_graph), "saved arrays kept after backward"
        assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] == 0
        assert w.grad is not None


def test_no_grad_saves_nothing():
    with _GcOff():
        w = gg.randn(256, 256, requires_grad=True)
        before = gg.memory_allocated("cpu")
        with gg.no_grad():
            out = gg.tanh(gg.randn(64, 256) @ w)
        assert out.grad_fn is None
        assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] == 0
        del out
        assert gg.memory_allocated("cpu") == before
