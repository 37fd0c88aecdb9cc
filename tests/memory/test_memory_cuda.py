"""cuda counters: the MemoryHook logic driven by hand (no device needed), then on a real GPU."""
import pytest

import gpugrad as gg
from gpugrad.memory import _cuda, _stats

cupy = pytest.importorskip("cupy")


@pytest.fixture
def fake_pool(monkeypatch):
    """A pool whose used bytes the test sets; device 0 is 'available'."""
    state = {"used": 4096, "total": 1 << 20}
    monkeypatch.setattr(_cuda, "used_bytes", lambda index: state["used"])
    monkeypatch.setattr(_cuda, "reserved_bytes", lambda index: state["total"])
    monkeypatch.setattr(_cuda, "_counters", {})
    monkeypatch.setattr(_cuda, "_live_ptrs", {})
    monkeypatch.setattr(_stats, "_device", lambda device: ("cuda", 0))
    yield state
    hook = getattr(_cuda._installed, "hook", None)
    if hook is not None:
        hook.__exit__(None, None, None)
        del _cuda._installed.hook


def _malloc(hook, state, ptr, size):
    state["used"] += size
    hook.malloc_postprocess(device_id=0, size=size - 7, mem_size=size, mem_ptr=ptr, pmem_id=ptr)


def _free(hook, state, ptr, size):
    state["used"] -= size
    hook.free_postprocess(device_id=0, mem_size=size, mem_ptr=ptr, pmem_id=ptr)


def test_hook_is_a_cupy_memory_hook_installed_once_per_thread(fake_pool):
    hook = _cuda.ensure_hook()
    assert isinstance(hook, cupy.cuda.MemoryHook)
    assert _cuda.ensure_hook() is hook
    from cupy.cuda import memory_hook
    assert memory_hook.get_memory_hooks()[hook.name] is hook


def test_peak_follows_mallocs_and_frees(fake_pool):
    assert gg.memory_allocated("cuda") == 4096           # the pool's figure at install
    hook = _cuda.ensure_hook()
    gg.reset_peak_memory_stats("cuda")
    _malloc(hook, fake_pool, 1, 1024)
    _malloc(hook, fake_pool, 2, 2048)
    _free(hook, fake_pool, 1, 1024)
    _malloc(hook, fake_pool, 3, 512)
    assert gg.max_memory_allocated("cuda") == 4096 + 3072
    assert gg.memory_allocated("cuda") == 4096 + 2560
    stats = gg.memory_stats("cuda")
    assert stats["allocation.all.current"] == 2 and stats["allocation.all.allocated"] == 3
    assert stats["allocation.all.freed"] == 1
    assert stats["allocated_bytes.all.allocated"] == 3584
    assert stats["reserved_bytes.all.current"] == 1 << 20
    gg.reset_peak_memory_stats("cuda")
    assert gg.max_memory_allocated("cuda") == 4096 + 2560


def test_frees_of_older_blocks_lower_the_count_not_the_allocation_numbers(fake_pool):
    hook = _cuda.ensure_hook()
    gg.reset_peak_memory_stats("cuda")
    _free(hook, fake_pool, 99, 4096)        # allocated before the hook existed
    stats = gg.memory_stats("cuda")
    assert stats["allocated_bytes.all.current"] == 0
    assert stats["allocation.all.freed"] == 0 and stats["allocation.all.current"] == 0


def test_reading_resyncs_with_the_pool(fake_pool):
    hook = _cuda.ensure_hook()
    _malloc(hook, fake_pool, 1, 1024)
    fake_pool["used"] += 8192               # another thread, where no hook is installed
    assert gg.memory_allocated("cuda") == 4096 + 1024 + 8192
    assert gg.max_memory_allocated("cuda") == 4096 + 1024 + 8192


def test_no_gpu_gives_a_clear_error():
    if gg.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="CUDA is not available|CuPy"):
        gg.memory_allocated("cuda")


@pytest.mark.gpu
def test_real_pool():
    if not gg.cuda.is_available():
        pytest.skip("needs CuPy and a CUDA device")
    gg.reset_peak_memory_stats("cuda")
    base = gg.memory_allocated("cuda")
    x = gg.ones(1024, 1024, device="cuda")
    y = x * 2
    del y
    gg.cuda.synchronize()
    assert gg.memory_allocated("cuda") - base == 4 << 20
    assert gg.max_memory_allocated("cuda") - base >= 8 << 20
    s = gg.memory_stats("cuda")
    assert s["allocated_bytes.all.current"] == gg.memory_allocated("cuda")
    w = gg.randn(256, 256, device="cuda", requires_grad=True)
    z = (w @ w).relu()
    assert gg.memory_stats("cuda")["saved_for_backward_bytes.current"] >= 2 * w.nbytes
    del x, z
