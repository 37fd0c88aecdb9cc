"""CUDA through CuPy, imported lazily: ``gg.cuda``.

Importing gpugrad never imports CuPy. The first call that needs a GPU does, and where CuPy
is missing, or installed but without a usable GPU, it raises one RuntimeError that says why
and what (if anything) to install; :func:`is_available` answers False instead of raising.

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
import os
import threading

__all__ = ["is_available", "device_count", "current_device", "synchronize"]

_lock = threading.Lock()
_module = None          # the cupy module once imported
_available = None       # cached answer of is_available()
_why_not = ""           # why it is False, for error messages

_COLAB_GPU = "on Colab: Runtime > Change runtime type > a GPU"
_CPU_HINT = " Use device='cpu' to run on the CPU."


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


def _pip_command(major):
    if major in (12, 13):
        return f'pip install "gpugrad[cuda{major}]" (the NVIDIA driver supports CUDA {major})'
    return ('pip install "gpugrad[cuda12]" where the NVIDIA driver supports CUDA 12, or '
            'pip install "gpugrad[cuda13]" where it supports CUDA 13 (nvidia-smi shows it)')


def _install_hint(error):
    installed = _installed_cupy()
    if installed:
        # A second CuPy package next to the first (as on Colab) breaks both: never
        # suggest installing one, point at the broken installation instead.
        return (f"CUDA is not available: CuPy is installed ({', '.join(installed)}) but failed "
                f"to import: {error}. Repair that installation rather than installing another "
                f"CuPy package.")
    return (f"CUDA is not available: gpugrad runs cuda tensors with CuPy, which is not "
            f"installed. Install it with {_pip_command(_driver_cuda_major())}.")


def _import():
    """The cupy module whether or not a GPU is usable; RuntimeError with install help."""
    global _module
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            try:
                _module = _import_cupy()
            except ImportError as e:
                hint = f"{_install_hint(e)}{_CPU_HINT}{_default_device_note()}"
                if _installed_cupy():
                    raise RuntimeError(hint) from e     # the import's traceback helps repair
                raise RuntimeError(hint) from None
    return _module


def _cupy(require_device=True):
    """The cupy module, for work on a GPU.

    Raises one RuntimeError saying what to do unless CuPy imports and sees a GPU; with
    ``require_device=False`` only the import is needed (kernel objects, version queries).
    """
    module = _module
    if module is not None and (_available or not require_device):
        return module
    module = _import()
    if require_device and not is_available():
        raise RuntimeError(_unavailable_message())
    return module


def _cupy_cuda_major(cupy):
    try:
        return cupy.cuda.runtime.runtimeGetVersion() // 1000
    except Exception:   # a CuPy without a runtime library: the version is unknown
        return None


def _default_device_note():
    """Where a cuda default came from, so the user knows what to undo."""
    from . import _user_default
    if _user_default is not None:
        if _user_default.type == "cuda":
            return (f" gg.set_default_device('{_user_default}') made cuda the default device; "
                    f"gg.set_default_device('cpu') undoes it.")
        return ""
    env = os.environ.get("GPUGRAD_DEVICE", "")
    if env.strip().startswith("cuda"):
        return (f" The environment variable GPUGRAD_DEVICE={env} makes cuda the default "
                f"device; unset it or set GPUGRAD_DEVICE=cpu to use the CPU.")
    return ""


def _unavailable_message():
    """CuPy imports but no GPU is usable: why, and what to change."""
    cupy = _import()
    package = ", ".join(_installed_cupy()) or f"cupy {cupy.__version__}"
    driver, needed = _driver_cuda_major(), _cupy_cuda_major(cupy)
    if driver is None:
        why = f"no NVIDIA driver was found (CuPy: {_why_not})"
        fix = (f"Nothing more needs installing: cuda needs a machine with an NVIDIA GPU and "
               f"its driver ({_COLAB_GPU})")
    elif needed is not None and driver < needed:
        why = (f"the NVIDIA driver supports CUDA {driver}, older than the CUDA {needed} this "
               f"CuPy was built for (CuPy: {_why_not})")
        fix = (f"Replace that CuPy package with the one for CUDA {driver}: pip uninstall "
               f"{package.split()[0]}, then {_pip_command(driver)}")
    else:
        why = f"it cannot use a GPU (CuPy: {_why_not})"
        fix = f"Check that nvidia-smi lists a GPU ({_COLAB_GPU})"
    return (f"CUDA is not available: CuPy ({package}) is installed, but {why}. {fix}."
            f"{_CPU_HINT}{_default_device_note()}")


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
            _available = _cupy(require_device=False).cuda.runtime.getDeviceCount() > 0
            _why_not = "" if _available else "no CUDA device found"
        except Exception as e:   # no CuPy, no driver, no device: all mean "not available"
            _available, _why_not = False, str(e) or type(e).__name__
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


def current_device():
    """Index of the current CUDA device (RuntimeError where CUDA is not available).

    Example::

        >>> gg.cuda.current_device()   # doctest: +SKIP
        0
    """
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
    cupy = _cupy()
    cupy.cuda.Device(_index(device)).synchronize()


def _reset():
    """Forget the cached import and availability (for tests)."""
    global _module, _available, _why_not
    with _lock:
        _module, _available, _why_not = None, None, ""
    from . import _reset_default
    _reset_default()
