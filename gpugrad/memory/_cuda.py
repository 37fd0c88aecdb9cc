"""cuda counters: CuPy's default memory pool for the current bytes, a memory hook for the peak.

``memory_allocated`` is the pool's ``used_bytes()`` (in CuPy's 512-byte allocation units, as
the pool hands them out, temporaries included). The peak comes from :class:`PeakHook`, a
``cupy.cuda.MemoryHook`` whose ``malloc_postprocess`` / ``free_postprocess`` keep a running
count from the pool's figure at the time it was installed. CuPy registers hooks per thread,
so the hook is installed lazily in each thread that asks for a cuda figure (the first
``memory_allocated``, ``reset_peak_memory_stats``, ... or ``profile()``); allocations made by
other threads are seen by ``used_bytes()`` at the next read, which also re-syncs the count.
"""
import threading

from ._counters import Counters

__all__ = ["PeakHook", "ensure_hook", "counters", "used_bytes", "reserved_bytes"]

_lock = threading.Lock()
_counters = {}          # device index -> Counters (saved bytes live in _saved's)
_installed = threading.local()
_hook_cls = None
# (device index, pointer) -> bytes, of the pool allocations made while a hook was installed.
_live_ptrs = {}


def counters(index):
    c = _counters.get(index)
    if c is None:
        with _lock:
            c = _counters.get(index)
            if c is None:
                c = Counters()
                c.current = c.peak = used_bytes(index)
                _counters[index] = c
    return c


def _cupy(require_device=True):
    from ..backend import cuda
    return cuda._cupy(require_device=require_device)


def used_bytes(index):
    """Bytes the default pool has handed out on device ``index`` and not taken back."""
    cp = _cupy()
    with cp.cuda.Device(index):
        return int(cp.get_default_memory_pool().used_bytes())


def reserved_bytes(index):
    """Bytes the default pool holds from the driver on device ``index`` (used + cached)."""
    cp = _cupy()
    with cp.cuda.Device(index):
        return int(cp.get_default_memory_pool().total_bytes())


def _make_hook_cls():
    base = _cupy(require_device=False).cuda.MemoryHook     # building the class needs no GPU

    class PeakHook(base):
        """Counts pool mallocs and frees per device, keeping the peak of the running total.

        Example::

            >>> hook = PeakHook()
            >>> hook.malloc_postprocess(device_id=0, size=100, mem_size=512, mem_ptr=1,
            ...                         pmem_id=1)                       # doctest: +SKIP
        """

        name = "gpugrad_memory"

        def malloc_postprocess(self, **kwargs):
            index = kwargs["device_id"]
            size = kwargs["mem_size"]
            counters(index).add(size)
            _live_ptrs[(index, kwargs["mem_ptr"])] = size

        def free_postprocess(self, **kwargs):
            index = kwargs["device_id"]
            size = kwargs["mem_size"]
            c = counters(index)
            if _live_ptrs.pop((index, kwargs["mem_ptr"]), None) is not None:
                c.remove(size)
            else:
                # Allocated before the hook was installed: part of the pool figure the
                # count started from, but not of the allocation counts.
                c.current -= size

    return PeakHook


def hook_class():
    """The MemoryHook subclass (built on first use, so that CuPy is imported lazily)."""
    global _hook_cls
    if _hook_cls is None:
        _hook_cls = _make_hook_cls()
    return _hook_cls


PeakHook = None  # the class, once hook_class() has built it


def ensure_hook():
    """Install the peak hook in this thread (once); returns it."""
    hook = getattr(_installed, "hook", None)
    if hook is None:
        global PeakHook
        PeakHook = hook_class()
        hook = PeakHook()
        memory_hook = _cupy(require_device=False).cuda.memory_hook
        if hook.name not in memory_hook.get_memory_hooks():
            hook.__enter__()          # stays registered for the life of the thread
        _installed.hook = hook
    return hook


def sync(index):
    """Re-read the pool: the running count follows ``used_bytes()``; returns the counters."""
    c = counters(index)
    now = used_bytes(index)
    c.current = now
    if now > c.peak:
        c.peak = now
    return c
