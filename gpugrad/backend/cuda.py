"""CUDA through CuPy, imported lazily: ``gg.cuda``.

Importing gpugrad never imports CuPy. The first call that needs it does, and a machine
without it gets a RuntimeError that says what to install; :func:`is_available` answers
False instead of raising.

Example::

    >>> import gpugrad as gg
    >>> gg.cuda.is_available()          # False without CuPy or without a GPU
    False
    >>> gg.cuda.device_count()
    0
"""
import ctypes
import importlib
import importlib.metadata
import threading

__all__ = ["is_available", "device_count", "current_device", "synchronize"]

_lock = threading.Lock()
_module = None          # the cupy module once imported
_available = None       # cached answer of is_available()
_why_not = ""           # why it is False, for error messages


def _import_cupy():
    # A separate function so tests can simulate a machine without CuPy.
    return importlib.import_module("cupy")


def _installed_cupy():
    """Names and versions of the installed CuPy distributions (cupy, cupy-cuda12x, ...)."""
    found = []
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name == "cupy" or name.startswith(("cupy-cuda", "cupy-rocm")):
            found.append(f"{name} {dist.version}")
    return sorted(set(found))


def _driver_cuda_major():
    """The CUDA major version the NVIDIA driver supports, or None where there is none."""
    for lib in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            cuda = ctypes.CDLL(lib)
        except OSError:
            continue
        version = ctypes.c_int(0)
        try:
            if cuda.cuDriverGetVersion(ctypes.byref(version)) == 0 and version.value:
                return version.value // 1000
        except AttributeError:
            pass
        return None
    return None


def _install_hint(error):
    installed = _installed_cupy()
    if installed:
        # A second CuPy package next to the first (as on Colab) breaks both: never
        # suggest installing one, point at the broken installation instead.
        return (f"CuPy is installed ({', '.join(installed)}) but failed to import: {error}. "
                f"Repair that installation rather than installing another CuPy package.")
    major = _driver_cuda_major()
    if major == 12 or major == 13:
        how = f'pip install "gpugrad[cuda{major}]" (the NVIDIA driver supports CUDA {major})'
    else:
        how = ('pip install "gpugrad[cuda12]" where the NVIDIA driver supports CUDA 12, or '
               'pip install "gpugrad[cuda13]" where it supports CUDA 13 (nvidia-smi shows it)')
    return f"CUDA devices need CuPy, which is not installed. Install it with {how}."


def _cupy():
    """The cupy module; RuntimeError with install instructions if it cannot be imported."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            try:
                _module = _import_cupy()
            except ImportError as e:
                raise RuntimeError(_install_hint(e)) from e
    return _module


def is_available():
    """True when CuPy imports and sees at least one CUDA device. Never raises.

    Example::

        >>> import gpugrad as gg
        >>> gg.cuda.is_available()
        False
    """
    global _available, _why_not
    if _available is None:
        try:
            _available = _cupy().cuda.runtime.getDeviceCount() > 0
            _why_not = "" if _available else "no CUDA device found"
        except Exception as e:   # no CuPy, no driver, no device: all mean "not available"
            _available, _why_not = False, f"{type(e).__name__}: {e}"
    return _available


def device_count():
    """Number of CUDA devices CuPy sees; 0 without CuPy or a driver.

    Example::

        >>> import gpugrad as gg
        >>> gg.cuda.device_count()
        0
    """
    if not is_available():
        return 0
    return _cupy().cuda.runtime.getDeviceCount()


def _require():
    """Raise unless CUDA is usable: the install hint without CuPy, else why not."""
    if not is_available():
        _cupy()
        raise RuntimeError(f"CUDA is not available: CuPy is installed but cannot use a GPU "
                           f"({_why_not})")


def current_device():
    """Index of the current CUDA device (RuntimeError where CUDA is not available).

    Example::

        >>> gg.cuda.current_device()   # doctest: +SKIP
        0
    """
    _require()
    return _cupy().cuda.runtime.getDevice()


def _index(device):
    if device is None:
        return current_device()
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    from . import device as parse_device
    dev = parse_device(device)
    if dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    return current_device() if dev.index is None else dev.index


def synchronize(device=None):
    """Wait until all work queued on device (default: the current one) has finished.

    Example::

        >>> gg.cuda.synchronize("cuda:0")   # doctest: +SKIP
    """
    _require()
    _cupy().cuda.Device(_index(device)).synchronize()


def _reset():
    """Forget the cached import and availability (for tests)."""
    global _module, _available, _why_not
    with _lock:
        _module, _available, _why_not = None, None, ""
