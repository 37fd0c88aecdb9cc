"""Devices and the array module.

A :class:`Device` names where a tensor's storage lives: ``'cpu'`` (a NumPy array) or
``'cuda'`` / ``'cuda:N'`` (a CuPy array). The array module is always taken from the data
(:func:`get_array_module`), never from device strings scattered through the ops.

Nothing here imports CuPy eagerly: a machine without it imports gpugrad fine and only a
request for ``'cuda'`` raises.
"""
import os

import numpy as np

from . import fp_warnings, host_allocator

# Freed host buffers stay in the process for reuse (see host_allocator: page faults and TLB
# flushes otherwise cost more than the arithmetic of a CPU training step).
host_allocator.tune()
# 0 * inf gives NaN without NumPy's RuntimeWarning, as on the GPU (see fp_warnings).
fp_warnings.install()

__all__ = ["Device", "device", "get_array_module", "device_of", "get_default_device",
           "set_default_device"]


class Device:
    """Where a tensor lives: ``Device('cpu')``, ``Device('cuda')``, ``Device('cuda', 1)``.

    Example::

        >>> gg.device("cuda:1")
        device(type='cuda', index=1)
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and self._ordinal == other._ordinal

    def __hash__(self):
        return hash((self.type, self._ordinal))

    @property
    def _ordinal(self):
        # 'cuda' means the current CUDA device, which is 0 unless the user switched it.
        if self.type == "cuda" and self.index is None:
            return 0
        return self.index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = Device("cpu")
_CACHE = {"cpu": CPU}


def device(spec, index=None):
    """Parse ``'cpu'``, ``'cuda'``, ``'cuda:N'``, an int (a CUDA ordinal), a Device or a
    ``torch.device``.

    Example::

        >>> gg.device("cpu")
        device(type='cpu')
    """
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec, index = "cuda", spec
    elif isinstance(getattr(spec, "type", None), str) and hasattr(spec, "index"):
        spec, index = spec.type, spec.index      # a torch.device, so code can pass one on
    if not isinstance(spec, str):
        raise TypeError(f"device() expects a string, an int or a Device, got {type(spec).__name__}")
    if index is None:
        cached = _CACHE.get(spec)
        if cached is not None:
            return cached
    kind, sep, num = spec.partition(":")
    if sep:
        if index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was "
                               f"passed explicitly: {spec}")
        if not num.isdigit():
            raise RuntimeError(f"Invalid device string: '{spec}'")
        index = int(num)
    if not kind or not all(c.isalpha() or c == "_" for c in kind):
        raise RuntimeError(f"Invalid device string: '{spec}'")     # 'gpu0', as PyTorch
    if kind not in ("cpu", "cuda"):
        raise RuntimeError(
            f"Expected one of cpu, cuda device type at start of device string: {kind}")
    if kind == "cpu" and index not in (None, 0):
        raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
    dev = Device(kind, None if kind == "cpu" else index)
    if not sep and index is None:
        _CACHE[spec] = dev
    return dev


def get_array_module(*arrays):
    """NumPy for NumPy arrays and scalars, CuPy as soon as one argument is a CuPy array."""
    for a in arrays:
        if type(a) is not np.ndarray and hasattr(a, "__cuda_array_interface__"):
            from . import cuda
            return cuda._cupy()
    return np


def device_of(array):
    """The Device of a NumPy or CuPy array."""
    if type(array) is np.ndarray:
        return CPU
    if hasattr(array, "__cuda_array_interface__"):
        return Device("cuda", array.device.id)
    return CPU


_user_default = None        # set by set_default_device
_auto_default = None        # 'cuda' where CuPy sees a GPU, else 'cpu'; decided once
_env_cache = {}             # GPUGRAD_DEVICE value -> Device


def get_default_device():
    """The device factories use when none is given.

    ``gg.set_default_device`` wins, then the ``GPUGRAD_DEVICE`` environment variable, then
    ``'cuda'`` where CuPy sees a GPU, else ``'cpu'``.

    Example::

        >>> gg.get_default_device()
        device(type='cpu')
    """
    if _user_default is not None:
        return _user_default
    # Read on every call (a dict lookup): a variable set after import still counts.
    env = os.environ.get("GPUGRAD_DEVICE", "").strip()
    if env:
        return _env_device(env)
    return _automatic_default()


def _env_device(env):
    dev = _env_cache.get(env)
    if dev is None:
        try:
            dev = device(env)
        except (RuntimeError, TypeError) as e:
            raise RuntimeError(f"The environment variable GPUGRAD_DEVICE={env} does not name a "
                               f"device ({e}); use cpu, cuda or cuda:N.") from None
        _env_cache[env] = dev
    return dev


def _automatic_default():
    global _auto_default
    if _auto_default is None:
        from . import cuda
        _auto_default = device("cuda") if cuda.is_available() else CPU
    return _auto_default


def _reset_default():
    """Forget the automatic default and the parsed environment variable (for tests)."""
    global _auto_default
    _auto_default = None
    _env_cache.clear()


def set_default_device(dev):
    """Set the device that factories use when none is given (``None`` restores the rule).

    Asking for ``'cuda'`` where none is usable raises at the first factory call, as PyTorch.

    Example::

        >>> gg.set_default_device("cpu")
        >>> gg.zeros(2).device
        device(type='cpu')
    """
    global _user_default
    _user_default = None if dev is None else device(dev)
