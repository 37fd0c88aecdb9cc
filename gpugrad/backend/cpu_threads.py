"""Threads for the CPU path's big elementwise updates.

NumPy runs each ufunc on one core, where PyTorch splits an elementwise op over its intra-op
threads. A ufunc releases the GIL while it loops, so a kernel reference that only does
elementwise work on contiguous arrays can run on slices of them in several Python threads at
once. :func:`split_elementwise` does that for a reference whose every array argument is
updated or read element by element (the optimizer updates): each slice gives exactly the
values the whole call gives, so results do not depend on the thread count.

Waking a thread costs tens of microseconds, so only arrays of at least ``_MIN_ELEMENTS``
elements are split: below that one core is as fast.

Example::

    >>> gg.set_num_threads(2)
    >>> gg.get_num_threads()
    2
"""
import functools
import os
import threading

__all__ = ["get_num_threads", "set_num_threads", "split_elementwise"]

# Measured with adam_update and sgd_update on 2 cores: at 2^18 float32 elements two threads
# just break even, at 2^20 they take 0.6x the time of one.
_MIN_ELEMENTS = 1 << 19
# Slices start on 64-byte boundaries (whole cache lines: no line is written by two threads).
_ALIGN_BYTES = 64

_num_threads = None
_pool = None
_pool_lock = threading.Lock()


def _default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def get_num_threads():
    """The number of threads gpugrad's CPU kernels may use, as ``torch.get_num_threads``:
    by default the cores this process may run on."""
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n):
    """Set the threads gpugrad's CPU kernels may use, as ``torch.set_num_threads``.

    It covers gpugrad's own elementwise work (the optimizer updates); NumPy's BLAS keeps its
    own pool (set it with threadpoolctl).

    Example::

        >>> gg.set_num_threads(1)     # everything on the calling thread
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _num_threads = n


def _executor():
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from concurrent.futures import ThreadPoolExecutor
                _pool = ThreadPoolExecutor(max(1, _default_threads() - 1),
                                           thread_name_prefix="gpugrad-cpu")
    return _pool


def split_elementwise(fn, array_positions, output_positions):
    """``fn`` run on slices of its arrays in parallel when they are big enough.

    ``array_positions``: where fn takes arrays, all of one shape, read or written element by
    element (the others are scalars, passed to every slice). ``output_positions``: the
    arguments fn returns (updated in place), as a tuple. Calls on arrays that are small,
    not C-contiguous or not all of one shape, or with one thread, run fn as it is.

    Example::

        >>> update = split_elementwise(REFERENCES["sgd_update"], (0, 8, 9), (8, 9))
    """
    first = array_positions[0]

    @functools.wraps(fn)
    def run(*args):
        a = args[first]
        size = getattr(a, "size", 0)
        n = _num_threads or get_num_threads()
        if size < _MIN_ELEMENTS or n == 1:
            return fn(*args)
        shape = a.shape
        for i in array_positions:
            b = args[i]
            if b.shape != shape or not b.flags.c_contiguous:
                return fn(*args)
        step = -(-size // n)
        align = max(1, _ALIGN_BYTES // a.itemsize)
        step = -(-step // align) * align
        flat = {i: args[i].reshape(-1) for i in array_positions}

        def part(lo, hi):
            sliced = list(args)
            for i, f in flat.items():
                sliced[i] = f[lo:hi]
            return fn(*sliced)

        bounds = [(lo, min(lo + step, size)) for lo in range(0, size, step)]
        pool = _executor()
        futures = [pool.submit(part, lo, hi) for lo, hi in bounds[1:]]
        try:
            part(*bounds[0])        # the calling thread takes the first slice
        finally:
            for f in futures:
                f.result()          # waits for all; re-raises a worker's error
        return tuple(args[i] for i in output_positions)

    return run
