"""The autocast hook: casts an op's tensor inputs as its list says (PyTorch's cast policies).

``Function.apply`` calls :func:`cast_args` with the op's class name only while some thread
has autocast enabled (``gpugrad.autograd.function._autocast_hook``); ``conv*`` and
``einsum`` call it from their public functions, before their dtype checks. The casts are
ordinary differentiable ``Tensor.to`` calls, so gradients flow back in each input's dtype.
"""
import numpy as np

from .. import dtypes as _dt
from . import autocast_mode as _am
from .op_lists import BANNED_CUDA, FP32, FP32_FIRST, LOWER, MATCH_FIRST, POLICIES, PROMOTE

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


def _device_type(args):
    """'cpu' or 'cuda': where the op's first tensor input lives (where PyTorch dispatches)."""
    for a in args:
        d = getattr(a, "_data", None)
        if d is not None:
            return "cpu" if isinstance(d, np.ndarray) else "cuda"
    return None


def _eligible(a, device_type):
    """A floating tensor, not float64, on the region's device (PyTorch's is_eligible)."""
    d = getattr(a, "_data", None)
    if d is None or d.dtype.kind != "f" or d.dtype == _F64:
        return False
    return (device_type == "cpu") == isinstance(d, np.ndarray)


def _cast_one(a, npd, lower, st):
    """``a`` cast to ``npd``; float32 leaf weights cast to the low-precision dtype are cached
    for the rest of the region, as PyTorch's weight cache."""
    if a._data.dtype == npd:
        return a
    if (lower and st.cache_enabled and a._requires_grad and a._data.dtype == _F32
            and a.grad_fn is None and a._base is None):
        key = id(a)
        hit = _am._cache.get(key)
        if hit is not None and hit[0] is a:
            return hit[1]
        out = a.to(npd)
        with _am._lock:
            _am._cache[key] = (a, out)
        return out
    return a.to(npd)


def cast_args(name, args):
    """``args`` with each eligible tensor cast as op ``name``'s policy says for the device of
    the op's inputs; ``args`` itself when the op is not listed or autocast is off there."""
    st = _am._tls
    if not st.active:
        return args
    device_type = _device_type(args)
    if device_type is None or not st.enabled[device_type]:
        return args
    policy = POLICIES[device_type].get(name)
    if policy is None:
        if device_type == "cuda" and name in BANNED_CUDA:
            raise RuntimeError(BANNED_CUDA[name])
        return args
    lower_dt = st.dtype[device_type]
    lower_np = _dt.to_numpy_dtype(lower_dt)
    if policy == LOWER:
        target = lower_np
    elif policy == FP32:
        target = _F32
    elif policy == MATCH_FIRST:
        first = args[0]
        if not _eligible(first, device_type):
            return args
        target = first._data.dtype
    elif policy == FP32_FIRST:
        first = next((a for a in args if getattr(a, "_data", None) is not None), None)
        if not _eligible(first, device_type):
            return args
        target = _F32
    else:
        assert policy == PROMOTE
        target = lower_np
        for a in args:
            if _eligible(a, device_type) and a._data.dtype == _F32:
                target = _F32
                break
    lower = target == lower_np
    return tuple([_cast_one(a, target, lower, st) if _eligible(a, device_type) else a
                  for a in args])
