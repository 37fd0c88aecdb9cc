"""Helpers shared by the op modules: method registration, operand coercion, dims."""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _make, _wrap_dim

__all__ = []


def register_methods(**methods):
    """Attach functions to Tensor as methods (``x.sum()``), keeping op modules self-contained."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


class UnsupportedOperand(TypeError):
    """An operand that is neither a tensor, an array nor a real number (operators then return
    NotImplemented, so Python raises its own TypeError, as for PyTorch tensors)."""


_PLAIN = (Tensor, float, int, bool)


def as_operand(x):
    """A Tensor or a Python number, from what users pass as the other side of an op."""
    if type(x) in _PLAIN:
        return x
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):
        if x.dtype.kind not in "biuf":
            raise UnsupportedOperand(f"unsupported operand type: {type(x).__name__}")
        return x.item()
    if isinstance(x, numbers.Real):
        return float(x) if not isinstance(x, numbers.Integral) else int(x)
    if isinstance(x, np.ndarray) or hasattr(x, "__cuda_array_interface__"):
        return _make(x)
    raise UnsupportedOperand(f"unsupported operand type: {type(x).__name__}")


def operator(fn):
    """Wrap an operator method: an unsupported operand gives NotImplemented."""
    def method(self, other):
        try:
            return fn(self, other)
        except UnsupportedOperand:
            return NotImplemented
    method.__name__ = getattr(fn, "__name__", "operator")
    return method


def promote_pair(a, b):
    """Cast two arrays (or an array and a Python number) to PyTorch's result dtype."""
    # Every binary op calls this: the common cases (same dtype; a float array and a number)
    # return after reading each dtype once.
    da = getattr(a, "dtype", None)
    db = getattr(b, "dtype", None)
    ta = da is not None
    tb = db is not None
    if ta and tb:
        if da == db:
            return a, b
        rt = _dt.result_type(a, b)
        return (a if da == rt else a.astype(rt)), (b if db == rt else b.astype(rt))
    if ta:
        if da.kind == "f":
            return a, b
        a = _promote_with_scalar(a, b)
        return a, _wrap_int(b, a)
    if tb:
        b = _promote_with_scalar(b, a)
        return _wrap_int(a, b), b
    return a, b


def _wrap_int(scalar, arr):
    """A Python int cast to an integer array's dtype with wraparound, as PyTorch does
    (uint8 + 300 adds 44, uint8 == -1 compares with 255); NumPy 2 would raise OverflowError."""
    if type(scalar) is int and arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        if not info.min <= scalar <= info.max:
            return int(np.array(scalar).astype(arr.dtype))
    return scalar


def is_bool(x):
    """True for a bool array or a Python bool."""
    return x.dtype.kind == "b" if hasattr(x, "dtype") else isinstance(x, bool)


def _promote_with_scalar(arr, scalar):
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if isinstance(scalar, float):
        return arr.astype(_dt.get_default_dtype().np_dtype)
    if kind == "b" and isinstance(scalar, int) and not isinstance(scalar, bool):
        return arr.astype(np.int64)
    return arr


def to_float(a):
    """An array in the default float dtype if it is integral (true division, sqrt, ...)."""
    if a.dtype.kind in "fc":
        return a
    return a.astype(_dt.get_default_dtype().np_dtype)


def normalize_dims(dim, ndim):
    """``dim`` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if dim is None or isinstance(dim, (tuple, list)) and len(dim) == 0:
        # PyTorch 2: an empty dim list reduces every dim, as None does.
        return tuple(range(ndim))
    if ndim == 0:
        # A 0-d tensor takes dim 0 or -1 (PyTorch's rule) but has no axis to reduce.
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            _wrap_dim(d, 0)
        return ()
    if isinstance(dim, (tuple, list)):
        axes = tuple(sorted(_wrap_dim(d, ndim) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
        return axes
    return (_wrap_dim(dim, ndim),)


def not_implemented_for(name, array):
    """PyTorch's error for a kernel that has no version for the array's dtype."""
    return NotImplementedError(f"\"{name}\" not implemented for '{_dt.torch_name(array.dtype)}'")
