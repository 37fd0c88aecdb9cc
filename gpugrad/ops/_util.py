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


def as_operand(x):
    """A Tensor or a Python number, from what users pass as the other side of an op."""
    if isinstance(x, (Tensor, numbers.Number)):
        if isinstance(x, np.generic):
            return x.item()
        return x
    if isinstance(x, np.ndarray):
        return _make(x)
    if hasattr(x, "__cuda_array_interface__"):
        return _make(x)
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def promote_pair(a, b):
    """Cast two arrays (or an array and a Python number) to PyTorch's result dtype."""
    ta = type(a) is np.ndarray or hasattr(a, "dtype")
    tb = type(b) is np.ndarray or hasattr(b, "dtype")
    if ta and tb:
        if a.dtype == b.dtype:
            return a, b
        rt = _dt.result_type(a, b)
        return (a if a.dtype == rt else a.astype(rt)), (b if b.dtype == rt else b.astype(rt))
    if ta:
        return _promote_with_scalar(a, b), b
    if tb:
        return a, _promote_with_scalar(b, a)
    return a, b


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
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        axes = tuple(sorted(_wrap_dim(d, ndim) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"dim {axes[0]} appears multiple times in the list of dims")
        return axes
    return (_wrap_dim(dim, ndim),)


def check_float_for_grad(name, *arrays):
    for a in arrays:
        if a.dtype.kind not in "fc":
            raise RuntimeError(f'"{name}" not implemented for \'{_dt.from_numpy_dtype(a.dtype).name}\'')
