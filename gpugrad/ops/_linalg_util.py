"""Shared pieces of the linear-algebra ops: the error type, named results, argument checks,
the host-side searches that word factorization errors as LAPACK reports them, and small
differentiable helpers for backward formulas."""
import contextlib
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..backend import get_array_module
from ..tensor import _make
from .shape import transpose, unsqueeze

__all__ = []


class LinAlgError(RuntimeError):
    """A matrix the factorization cannot handle (singular, not positive-definite), as
    ``torch.linalg.LinAlgError``."""


# ---------------------------------------------------------------------------------------------
# Named results, as torch.return_types (attribute access and tuple unpacking both work)

_RESULTS = {}


def _result(name, fields, values):
    cls = _RESULTS.get(name)
    if cls is None:
        base = namedtuple(name, fields)

        def __repr__(self):
            body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
            return f"gpugrad.return_types.{name}(\n{body})"
        cls = _RESULTS[name] = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    return cls(*values)


# ---------------------------------------------------------------------------------------------
# Helpers (gpugrad ops, so that backward formulas made of them differentiate again)

def _mT(t):
    return transpose(t, -1, -2)


def _diag_embed(v):
    """Batches of diagonal matrices from the last dim of ``v`` (differentiable)."""
    xp = get_array_module(v._data)
    n = v._data.shape[-1]
    return unsqueeze(v, -1) * _make(xp.eye(n, dtype=v._data.dtype))


def _eye_like(t):
    xp = get_array_module(t._data)
    return _make(xp.eye(t._data.shape[-1], dtype=t._data.dtype))


def _last(t, k):
    """``unsqueeze`` ``k`` trailing dims, to scale batches of matrices by batches of scalars."""
    for _ in range(k):
        t = unsqueeze(t, -1)
    return t


def _check_matrix(name, a, square=True):
    if a._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    r, c = a._data.shape[-2:]
    if square and r != c:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {r} "
                           f"by {c} matrices")


def _check_float(name, a):
    if a._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_dt.torch_name(a._data.dtype)}")


def _check_precision(kernel, a):
    """Half precision has no LAPACK kernels: PyTorch's error names the CPU kernel it lacks."""
    if a._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_dt.torch_name(a._data.dtype)}'")


def _host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def _zero_pivot(m):
    """1-based index of the first exactly-zero pivot of LU with partial pivoting (LAPACK
    getrf's ``info``), or 0. Runs only to word an error, on the host."""
    m = m.copy()
    n = m.shape[0]
    info = 0
    for k in range(n):
        p = k + int(np.argmax(np.abs(m[k:, k])))
        if m[p, k] == 0:
            info = info or k + 1
            continue
        m[[k, p]] = m[[p, k]]
        m[k + 1:, k] /= m[k, k]
        m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return info


def _bad_minor(m):
    """1-based order of the first leading minor that is not positive-definite (potrf's
    ``info``), or 0; the lower triangle is read, as LAPACK's."""
    n = m.shape[0]
    low = np.zeros_like(m)
    for j in range(n):
        d = m[j, j] - low[j, :j] @ low[j, :j]
        if not d > 0:           # also catches nan
            return j + 1
        low[j, j] = np.sqrt(d)
        low[j + 1:, j] = (m[j + 1:, j] - low[j + 1:, :j] @ low[j, :j]) / low[j, j]
    return 0


def _first_failure(a, test):
    """(batch index, info) of the first matrix in ``a`` for which ``test`` gives nonzero."""
    host = _host(a)
    flat = host.reshape((-1,) + host.shape[-2:])
    for b, m in enumerate(flat):
        info = test(m)
        if info:
            return b, info
    return None, 0


def _batch_prefix(a, b):
    return f"(Batch element {b}): " if a.ndim > 2 else ""


def _raise_singular(a):
    b, info = _first_failure(a, _zero_pivot)
    where = _batch_prefix(a, b) if b is not None else ""
    pivot = f"The diagonal element {info} is zero, the" if info else "The"
    raise LinAlgError(f"linalg.inv: {where}{pivot} inversion could not be completed because "
                      f"the input matrix is singular.")


def _raising(xp):
    """CuPy reports a failed factorization (singular, not positive-definite) only inside
    ``cupyx.errstate(linalg='raise')``; otherwise its results are silently wrong. PyTorch's
    CUDA kernels check too (and synchronize to do so)."""
    if xp is np:
        return contextlib.nullcontext()
    import cupyx
    return cupyx.errstate(linalg="raise")
