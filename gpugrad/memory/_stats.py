"""The public counters: ``gg.memory_allocated`` and friends, on cpu and cuda alike."""
from . import _counters, _cuda, _saved

__all__ = ["memory_allocated", "max_memory_allocated", "reset_peak_memory_stats",
           "memory_stats"]


def _device(device):
    """(type, index) of a device argument; None means the default device."""
    from ..backend import Device, device as parse, get_default_device
    if device is None:
        dev = get_default_device()
    elif isinstance(device, Device):
        dev = device
    else:
        dev = parse(device)
    if dev.type == "cpu":
        return "cpu", None
    from ..backend import cuda
    current = cuda.current_device()      # raises, saying why, where CUDA is not available
    return "cuda", current if dev.index is None else dev.index


def _cuda_counters(index, resync=True):
    _cuda.ensure_hook()
    return _cuda.sync(index) if resync else _cuda.counters(index)


def memory_allocated(device=None):
    """Bytes of array storage gpugrad holds on ``device`` now (default: the default device).

    On cpu: tensor data, gradients, saved-for-backward arrays and optimizer state, each owning
    buffer once (views are free), owners under 1 KiB not counted. On cuda: CuPy's default
    memory pool's used bytes.

    Example::

        >>> before = gg.memory_allocated("cpu")
        >>> x = gg.zeros(1024, 1024)                  # 4 MiB of float32
        >>> gg.memory_allocated("cpu") - before
        4194304
    """
    kind, index = _device(device)
    if kind == "cpu":
        return _counters.host.current
    return _cuda_counters(index).current


def max_memory_allocated(device=None):
    """The highest :func:`memory_allocated` since the start or the last reset.

    On cpu the peak is taken as tensors are made (op boundaries); on cuda every pool
    allocation counts, temporaries inside an op included, from the first call of any of
    these functions in the thread.

    Example::

        >>> gg.reset_peak_memory_stats("cpu")
        >>> y = gg.ones(256, 256) * 2
        >>> gg.max_memory_allocated("cpu") >= gg.memory_allocated("cpu")
        True
    """
    kind, index = _device(device)
    if kind == "cpu":
        return _counters.host.peak
    return _cuda_counters(index).peak


def reset_peak_memory_stats(device=None):
    """Start the peaks (bytes, allocation count, saved-for-backward bytes) again from now.

    Example::

        >>> gg.reset_peak_memory_stats()
    """
    kind, index = _device(device)
    if kind == "cpu":
        _counters.host.reset_peak()
        return
    c = _cuda_counters(index)
    c.reset_peak()
    s = _saved.device_counters(index)
    s.saved_peak = s.saved_current


def memory_stats(device=None):
    """A dict of counters, named as ``torch.cuda.memory_stats``'s.

    Keys: ``allocated_bytes.all.{current,peak,allocated,freed}``,
    ``allocation.all.{current,peak,allocated,freed}`` (counts),
    ``saved_for_backward_bytes.{current,peak}`` (bytes that graph nodes hold for backward,
    each buffer once), ``tracking_threshold_bytes`` (cpu) and ``reserved_bytes.all.current``
    (cuda: what the pool holds from the driver). On cuda the counts and cumulative figures
    cover the threads where the peak hook is installed, from its installation.

    Example::

        >>> stats = gg.memory_stats("cpu")
        >>> stats["allocated_bytes.all.current"] == gg.memory_allocated("cpu")
        True
    """
    kind, index = _device(device)
    if kind == "cpu":
        c = s = _counters.host
    else:
        c = _cuda_counters(index)
        s = _saved.device_counters(index)
    stats = {
        "allocated_bytes.all.current": c.current,
        "allocated_bytes.all.peak": c.peak,
        "allocated_bytes.all.allocated": c.allocated,
        "allocated_bytes.all.freed": c.freed,
        "allocation.all.current": c.n_current,
        "allocation.all.peak": c.n_peak,
        "allocation.all.allocated": c.n_allocated,
        "allocation.all.freed": c.n_freed,
        "saved_for_backward_bytes.current": s.saved_current,
        "saved_for_backward_bytes.peak": s.saved_peak,
    }
    if kind == "cpu":
        stats["tracking_threshold_bytes"] = _counters.TRACK_MIN_BYTES
    else:
        stats["reserved_bytes.all.current"] = _cuda.reserved_bytes(index)
    return stats
