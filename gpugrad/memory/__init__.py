"""Memory accounting: how many bytes of array storage gpugrad holds, per device, and when.

``gg.memory_allocated(device)``, ``gg.max_memory_allocated(device)``,
``gg.reset_peak_memory_stats(device)`` and ``gg.memory_stats(device)`` work on cpu and cuda.

- cuda: CuPy's default memory pool (used bytes), with the peak kept by a
  ``cupy.cuda.MemoryHook`` installed on first use.
- cpu: gpugrad counts the storage its tensors hold (data, gradients, what graph nodes save for
  backward, optimizer state): each owning buffer once, views for free, from the first tensor
  that holds it until it is freed. Owners under ``TRACK_MIN_BYTES`` (1 KiB) are not counted,
  which keeps the per-op cost to one size test; the counts agree with tracemalloc's NumPy
  domain within 1% on real models (tests/memory checks it after every op of an MLP).

``memory_stats()['saved_for_backward_bytes.current']`` is what graph nodes hold for backward.
``profile()`` records a timeline and a per-op table. See ``docs/memory.md``.

Example::

    >>> import gpugrad as gg
    >>> gg.reset_peak_memory_stats("cpu")
    >>> with gg.no_grad():
    ...     y = gg.ones(512, 512) @ gg.ones(512, 512)
    >>> gg.max_memory_allocated("cpu") >= 3 * 512 * 512 * 4
    True
"""
from ._counters import TRACK_MIN_BYTES  # noqa: F401
from ._stats import (memory_allocated, max_memory_allocated,  # noqa: F401
                     reset_peak_memory_stats, memory_stats)
from ._profiler import profile, Event  # noqa: F401

__all__ = ["memory_allocated", "max_memory_allocated", "reset_peak_memory_stats",
           "memory_stats", "profile", "Event", "TRACK_MIN_BYTES"]
