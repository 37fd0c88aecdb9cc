"""The counters behind ``gg.memory_stats``: one :class:`Counters` per device, and host tracking.

Host (cpu) rule, applied in ``tensor._make`` to every array a tensor is born with:

- the storage counted is the array that owns the memory, found by following ``.base`` (a view
  made by reshape, transpose, slicing or detach shares its owner's bytes and is not counted
  again);
- each owner is counted once, from the first tensor that holds it until the owner is freed
  (a weakref callback on the owning ndarray takes its bytes off);
- owners smaller than :data:`TRACK_MIN_BYTES` (1 KiB) are not counted. A weakref per tiny
  array would cost more than the op that made it; below 1 KiB the bytes are noise next to any
  real model (scalars, losses, small bias vectors), which the accuracy test checks against
  tracemalloc.

Only storage that a tensor holds is seen: NumPy temporaries that live and die inside one op are
not, so peaks are taken at op boundaries (as the outputs are made, their inputs still alive).

Nothing here imports the rest of gpugrad: ``tensor.py`` imports this module.
"""
import threading
import weakref

import numpy as np

__all__ = ["TRACK_MIN_BYTES", "Counters", "host", "track"]

#: Owning arrays below this size are not counted on the host (see the module docstring).
TRACK_MIN_BYTES = 1024

_ndarray = np.ndarray


class Counters:
    """Live and cumulative byte and allocation counts of one device."""

    __slots__ = ("current", "peak", "allocated", "freed", "n_current", "n_peak", "n_allocated",
                 "n_freed", "saved_current", "saved_peak")

    def __init__(self):
        self.current = self.peak = self.allocated = self.freed = 0
        self.n_current = self.n_peak = self.n_allocated = self.n_freed = 0
        self.saved_current = self.saved_peak = 0

    def add(self, nbytes):
        self.current += nbytes
        self.allocated += nbytes
        self.n_current += 1
        self.n_allocated += 1
        if self.current > self.peak:
            self.peak = self.current
        if self.n_current > self.n_peak:
            self.n_peak = self.n_current

    def remove(self, nbytes):
        self.current -= nbytes
        self.freed += nbytes
        self.n_current -= 1
        self.n_freed += 1

    def reset_peak(self):
        self.peak = self.current
        self.n_peak = self.n_current
        self.saved_peak = self.saved_current


#: The host's counters (the ``'cpu'`` device).
host = Counters()

# id(owner) -> its weakref, for every owner counted now. The weakref's callback runs while the
# owner is being freed, before its id can be reused, so an id here always means a live owner.
_live = {}
# Weakref callbacks may run in any thread (where the last reference dies).
_lock = threading.RLock()


class _OwnerRef(weakref.ref):
    __slots__ = ("key", "nbytes")


def _owner_freed(ref):
    with _lock:
        if _live.pop(ref.key, None) is ref:
            host.remove(ref.nbytes)


def owner(array):
    """The ndarray that owns ``array``'s memory (itself unless it is a view)."""
    root = array
    base = root.base
    # Stop at an owner that is not an ndarray (bytes, mmap, a DLPack capsule): the last
    # ndarray in the chain then stands for the memory.
    while isinstance(base, _ndarray):
        root = base
        base = root.base
    return root


def track(array):
    """Count the owner of a host array once, until it is freed (CuPy arrays: the pool counts).

    Called from ``tensor._make`` only for arrays of at least ``TRACK_MIN_BYTES`` bytes or views
    (a small view may keep a big owner alive).
    """
    if not isinstance(array, _ndarray):
        return
    root = owner(array)
    key = id(root)
    if key in _live:
        return
    nbytes = root.nbytes
    if nbytes < TRACK_MIN_BYTES:
        return
    ref = _OwnerRef(root, _owner_freed)
    ref.key = key
    ref.nbytes = nbytes
    with _lock:
        if key not in _live:
            _live[key] = ref
            host.add(nbytes)


def is_tracked(array):
    """True if ``array``'s owner is counted now (for tests)."""
    return isinstance(array, _ndarray) and id(owner(array)) in _live
