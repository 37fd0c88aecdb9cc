"""The cpu counters: agree with tracemalloc after every op, count each buffer once, free on time."""
import gc
import tracemalloc

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.memory import TRACK_MIN_BYTES
from gpugrad.memory._counters import is_tracked

from _helpers import mlp_params, numpy_traced


@pytest.fixture
def traced():
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_agrees_with_tracemalloc_after_every_op(traced):
    """Width 256, batch 64: the counter moves as NumPy's own allocations do, op by op."""
    t0, c0 = numpy_traced(), gg.memory_allocated("cpu")
    checks = []

    def check(where):
        traced_now = numpy_traced() - t0
        counted = gg.memory_allocated("cpu") - c0
        checks.append(where)
        assert counted == pytest.approx(traced_now, rel=0.01, abs=256), where

    params = mlp_params(4, 256)
    x = gg.randn(64, 256)
    check("model")
    h = x
    for i, (w, b) in enumerate(params):
        h = F.linear(h, w, b)
        check(f"linear {i}")
        h = h.relu()
        check(f"relu {i}")
    loss = (h * h).mean()
    check("loss")
    # Backward: after every node, through its post-hook (the engine then holds its grads).
    node, seen = loss.grad_fn, set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if hasattr(n, "register_hook"):
            n.register_hook(lambda gi, go, name=n.name(): check(name))
        stack.extend(e[0] for e in n.next_functions)
    loss.backward()
    check("after backward")
    del loss, h
    check("graph dropped")
    assert len(checks) > 20


def test_views_share_and_do_not_count():
    x = gg.randn(128, 64)
    before = gg.memory_allocated("cpu")
    views = [x.reshape(64, 128), x.t(), x[10:20], x[:, ::2], x.detach(), x.view(-1),
             x.unsqueeze(0), x.transpose(0, 1).reshape(64, 128)[:1]]
    for v in views:
        assert np.shares_memory(v.numpy(), x.numpy())
    assert views[0].data_ptr() == x.data_ptr() and views[4].data_ptr() == x.data_ptr()
    assert gg.memory_allocated("cpu") == before


def test_each_owner_once_and_freed_on_time():
    before = gg.memory_allocated("cpu")
    a = np.ones((256, 256), np.float32)          # 256 KiB
    t1, t2 = gg.Tensor(a), gg.Tensor(a)           # both wrap a, no copy
    assert gg.memory_allocated("cpu") - before == a.nbytes
    del t1, t2
    assert gg.memory_allocated("cpu") - before == a.nbytes   # the owner is still alive
    del a
    assert gg.memory_allocated("cpu") == before


def test_small_owners_are_not_counted_small_views_of_big_owners_are():
    before = gg.memory_allocated("cpu")
    small = gg.ones(TRACK_MIN_BYTES // 4 - 1)          # 1020 bytes of float32
    assert not is_tracked(small._data) and gg.memory_allocated("cpu") == before
    big = np.zeros((512, 512), np.float32)           # never wrapped itself
    row = gg.Tensor(big[3])                           # 2 KiB view
    tiny = gg.Tensor(big[0, :4])                      # 16-byte view holds the 1 MiB owner
    assert gg.memory_allocated("cpu") - before == big.nbytes
    del big, row
    assert gg.memory_allocated("cpu") - before == 512 * 512 * 4
    del tiny
    assert gg.memory_allocated("cpu") == before


def test_peak_and_reset():
    gg.reset_peak_memory_stats("cpu")
    base = gg.memory_allocated("cpu")
    assert gg.max_memory_allocated("cpu") == base
    with gg.no_grad():
        a = gg.ones(256, 256)
        b = a * 2
        del a, b
    assert gg.max_memory_allocated("cpu") - base == 2 * 256 * 256 * 4
    assert gg.memory_allocated("cpu") == base
    gg.reset_peak_memory_stats("cpu")
    assert gg.max_memory_allocated("cpu") == base


def test_memory_stats_keys_and_counts():
    s0 = gg.memory_stats("cpu")
    for key in ("allocated_bytes.all.current", "allocated_bytes.all.peak",
                "allocated_bytes.all.allocated", "allocated_bytes.all.freed",
                "allocation.all.current", "allocation.all.allocated", "allocation.all.freed",
                "allocation.all.peak", "saved_for_backward_bytes.current",
                "saved_for_backward_bytes.peak", "tracking_threshold_bytes"):
        assert key in s0
    a = gg.zeros(1024)
    s1 = gg.memory_stats("cpu")
    assert s1["allocation.all.current"] == s0["allocation.all.current"] + 1
    assert s1["allocation.all.allocated"] == s0["allocation.all.allocated"] + 1
    assert s1["allocated_bytes.all.allocated"] - s0["allocated_bytes.all.allocated"] == 4096
    del a
    s2 = gg.memory_stats("cpu")
    assert s2["allocation.all.freed"] == s0["allocation.all.freed"] + 1
    assert s2["allocated_bytes.all.current"] == s0["allocated_bytes.all.current"]


def test_gradients_and_optimizer_state_are_counted():
    w = gg.randn(128, 128, requires_grad=True)
    opt = gg.optim.Adam([w], lr=1e-3)
    before = gg.memory_allocated("cpu")
    (w * w).sum().backward()
    assert gg.memory_allocated("cpu") - before == w.nbytes            # w.grad
    opt.step()
    # Adam keeps exp_avg and exp_avg_sq (a step count under 1 KiB is not counted).
    assert gg.memory_allocated("cpu") - before == 3 * w.nbytes


def test_default_device_and_device_forms():
    assert gg.memory_allocated() == gg.memory_allocated("cpu") == \
        gg.memory_allocated(gg.device("cpu"))
    with pytest.raises(RuntimeError):
        gg.memory_allocated("tpu")


def test_freed_in_another_thread():
    import threading
    before = gg.memory_allocated("cpu")
    box = [gg.zeros(4096)]
    th = threading.Thread(target=box.clear)
    th.start()
    th.join()
    gc.collect()
    assert gg.memory_allocated("cpu") == before
