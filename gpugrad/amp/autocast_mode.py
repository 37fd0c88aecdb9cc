"""``autocast``: regions where listed ops run in float16 (or float32), as ``torch.autocast``.

The state is thread-local, per device type ('cpu', 'cuda'): enabled or not, and the dtype.
While some thread has autocast enabled, ``Function.apply`` hands each op to
``gpugrad.amp._dispatch.cast_args``, which casts the inputs as the op's list says
(``gpugrad/amp/op_lists.py``); otherwise ops pay one module-level test.

On 'cpu', PyTorch's default autocast dtype is bfloat16, which NumPy and CuPy arrays cannot
hold. ``gg.get_autocast_dtype('cpu')`` still answers ``gg.bfloat16`` (PyTorch's default), and
``autocast('cpu')`` with it warns, as PyTorch does for a dtype a device does not support, and
leaves autocast off. ``autocast('cpu', dtype=gg.float16)`` runs PyTorch's CPU lists in float16.

Example::

    >>> w = gg.ones(3, 3, requires_grad=True)
    >>> with gg.autocast('cpu', dtype=gg.float16):
    ...     y = gg.ones(2, 3) @ w
    >>> y.dtype
    gpugrad.float16
"""
import functools
import threading
import warnings

from .. import dtypes as _dt
from ..autograd import function as _function

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available",
           "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
           "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
           "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting"]

_DEVICES = ("cpu", "cuda")


class _State(threading.local):
    """One thread's autocast state (PyTorch keeps the same fields thread-local in C++)."""

    def __init__(self):
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {"cpu": _dt.bfloat16, "cuda": _dt.float16}
        self.cache_enabled = True
        self.nesting = 0
        self.active = False         # any device enabled on this thread


_tls = _State()
# How many threads have autocast enabled somewhere; the hook is installed while it is > 0.
_active_threads = 0
_lock = threading.Lock()
# Casts of float32 leaf weights to the low-precision dtype, reused within a region (PyTorch's
# weight cache): id(source) -> (source, cast). Holding the source keeps its id from being
# reused by another tensor while the entry lives. Cleared when the outermost region exits.
_cache = {}


def _refresh_active():
    global _active_threads
    st = _tls
    now = st.enabled["cpu"] or st.enabled["cuda"]
    if now == st.active:
        return
    st.active = now
    with _lock:
        _active_threads += 1 if now else -1
        if _active_threads > 0:
            from ._dispatch import cast_args
            _function._autocast_hook = cast_args
        else:
            _function._autocast_hook = None


def _check_device_type(device_type):
    if device_type not in _DEVICES:
        from ..backend import device
        device(device_type)         # a string that names no device: PyTorch's parse error
        raise RuntimeError(f"User specified an unsupported autocast device_type "
                           f"'{device_type}'")


def is_autocast_available(device_type):
    """True for device types autocast supports here ('cpu' and 'cuda').

    Example::

        >>> gg.amp.is_autocast_available('cuda')
        True
    """
    return device_type in _DEVICES


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` in this thread ('cuda' when omitted, as
    PyTorch's no-argument form).

    Example::

        >>> with gg.autocast('cpu', dtype=gg.float16):
        ...     gg.is_autocast_enabled('cpu')
        True
    """
    if device_type is None:
        device_type = "cuda"
    _check_device_type(device_type)
    return _tls.enabled[device_type]


def set_autocast_enabled(device_type, enabled):
    """Turn autocast on or off for ``device_type`` in this thread (prefer ``autocast``)."""
    _check_device_type(device_type)
    _tls.enabled[device_type] = bool(enabled)
    _refresh_active()


def get_autocast_dtype(device_type):
    """The dtype autocast uses on ``device_type`` in this thread: float16 on 'cuda', and
    PyTorch's bfloat16 on 'cpu' unless a region set another.

    Example::

        >>> gg.get_autocast_dtype('cuda')
        gpugrad.float16
    """
    _check_device_type(device_type)
    return _tls.dtype[device_type]


def set_autocast_dtype(device_type, dtype):
    _check_device_type(device_type)
    _tls.dtype[device_type] = dtype


def is_autocast_cache_enabled():
    return _tls.cache_enabled


def set_autocast_cache_enabled(enabled):
    _tls.cache_enabled = bool(enabled)


def clear_autocast_cache():
    """Drop the cached low-precision copies of weights."""
    with _lock:
        _cache.clear()


def autocast_increment_nesting():
    _tls.nesting += 1
    return _tls.nesting


def autocast_decrement_nesting():
    _tls.nesting -= 1
    return _tls.nesting


def _supported_dtypes():
    return [_dt.float16]


class autocast:
    """Context manager and decorator: listed ops in the region run in ``dtype`` (float16 by
    default on 'cuda') or in float32, as ``torch.autocast``. Regions nest; an
    ``enabled=False`` region inside turns autocast off there. Casts are differentiable:
    gradients come back in each input's own dtype.

    On 'cpu' the default dtype is PyTorch's bfloat16, which gpugrad has no arrays for: such a
    region warns and leaves autocast off; pass ``dtype=gg.float16``.

    Example::

        >>> lin = gg.nn.Linear(3, 2)
        >>> with gg.autocast('cpu', dtype=gg.float16):
        ...     out = lin(gg.ones(4, 3))
        ...     loss = out.float().sum()
        >>> out.dtype, lin.weight.dtype
        (gpugrad.float16, gpugrad.float32)
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        _check_device_type(device_type)
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        self._cache_enabled = (is_autocast_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        name = device_type.upper()
        if enabled:
            if device_type == "cuda":
                from ..backend import cuda
                if not cuda.is_available():
                    warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=2)
                    enabled = False
                elif self.fast_dtype is _dt.bfloat16:
                    raise RuntimeError("Current CUDA Device does not support bfloat16. Please "
                                       "switch dtype to float16.")
            elif self.fast_dtype not in _supported_dtypes():
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling "
                    f"autocast.\n{name} Autocast only supports dtypes of "
                    + ", ".join(map(str, _supported_dtypes())) + " currently.", stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        st = _tls
        self.prev_cache_enabled = st.cache_enabled
        self.prev = st.enabled[self.device]
        self.prev_fastdtype = st.dtype[self.device]
        st.enabled[self.device] = self._enabled
        st.dtype[self.device] = self.fast_dtype
        st.nesting += 1
        st.cache_enabled = self._cache_enabled
        _refresh_active()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        st = _tls
        # Drop the cache when leaving the outermost region (once per forward pass).
        st.nesting -= 1
        if st.nesting == 0:
            clear_autocast_cache()
        st.enabled[self.device] = self.prev
        st.dtype[self.device] = self.prev_fastdtype
        st.cache_enabled = self.prev_cache_enabled
        _refresh_active()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                f"Did you mean to use autocast as a context manager? For example:\n"
                f"    with gpugrad.autocast(device_type=...):\n"
                f"        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _cast(value, device_type, dtype):
    """Floating tensors (not float64) on ``device_type`` in ``value`` (nested containers
    too) cast to ``dtype``; everything else unchanged."""
    from ..tensor import Tensor
    if isinstance(value, Tensor):
        eligible = (value.is_floating_point() and value.device.type == device_type
                    and value.dtype is not _dt.float64)
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate the ``forward`` of a custom ``Function`` for autocast, as
    ``torch.amp.custom_fwd``: with ``cast_inputs``, floating inputs are cast to it and
    forward runs with autocast off (only inside an enabled region).

    Example::

        class MyMM(gg.autograd.Function):
            @staticmethod
            @gg.amp.custom_fwd(device_type='cpu', cast_inputs=gg.float32)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a.mm(b)

            @staticmethod
            @gg.amp.custom_bwd(device_type='cpu')
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                return grad.mm(b.t()), a.t().mm(grad)
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = is_autocast_enabled(device_type)
        args[0]._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs),
                           **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorate the ``backward`` of a custom ``Function``: it runs with the autocast state
    its forward had (see :func:`custom_fwd`)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast,
                      dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
