"""Assorted tensor ops of PyTorch's top level: rot90, vander, cartesian_prod, combinations,
row_stack, msort, block_diag, diag_embed, bincount, histc, unique_consecutive, mode and
nanmedian.

The differentiable ones are built from flips, transposes, concatenation, cumprod and gather,
so their gradients (and higher ones) come from those; diag_embed has its own backward (the
diagonal of the gradient). bincount, histc and unique_consecutive have no derivative, as in
PyTorch.
"""
import itertools

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import _make, _wrap_dim
from ._util import not_implemented_for, register_methods

__all__ = ["rot90", "vander", "cartesian_prod", "combinations", "row_stack", "msort",
           "block_diag", "diag_embed", "bincount", "histc", "unique_consecutive", "mode",
           "nanmedian"]


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times, from the first towards the second of ``dims``.

    Example::

        >>> gg.rot90(gg.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    from .shape import flip, transpose
    dims = list(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == nd:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    d0, d1 = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return input.clone()


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: columns ``x ** (N-1), ..., x ** 0`` (reversed with
    ``increasing``); integer and bool inputs give int64.

    Example::

        >>> gg.vander(gg.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    from .creation import ones
    from .shape import cat, flip
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0]
    N = n if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind != "f":
        x = x.to(_dt.int64)
    cols = [ones(n, min(N, 1), dtype=x.dtype, device=x.device)]
    if N > 1:
        # PyTorch's construction: the powers are a running product (so gradients agree).
        cols.append(x.unsqueeze(1).expand(n, N - 1).cumprod(1))
    out = cat(cols, 1)
    return out if increasing else flip(out, (1,))


def _check_vector(t):
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


def cartesian_prod(*tensors):
    """All tuples of one element from each 1-D tensor, as rows (itertools.product order).

    Example::

        >>> gg.cartesian_prod(gg.tensor([1, 2]), gg.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    from .rearrange import meshgrid
    from .shape import stack
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of a 1-D tensor's elements, as rows (itertools order).

    Example::

        >>> gg.combinations(gg.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    from .creation import empty, tensor
    from .indexing import index_select
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=input.dtype, device=input.device)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(pick(range(input._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    flat = tensor(idx.reshape(-1), device=input.device)
    return index_select(input, 0, flat).reshape(idx.shape)


def row_stack(tensors):
    """Stack tensors as rows (:func:`gpugrad.vstack`).

    Example::

        >>> gg.row_stack([gg.tensor([1, 2]), gg.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    from .shape import vstack
    return vstack(tensors)


def msort(input):
    """Sort along the first dim (``sort(input, 0).values``).

    Example::

        >>> gg.msort(gg.tensor([[3, 1], [1, 2]]))
        tensor([[1, 1],
                [3, 2]])
    """
    from .indexing import sort
    return sort(input, 0).values


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d as 1x1, 1-D as one row), zeros elsewhere.

    Example::

        >>> gg.block_diag(gg.tensor([[1, 2]]), gg.tensor(3))
        tensor([[1, 2, 0],
                [0, 0, 3]])
    """
    from .creation import zeros
    from .shape import cat
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError("gpugrad.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._data.ndim} dimensions")
    if not tensors:
        return zeros(1, 0)
    dt = _dt.from_numpy_dtype(_dt.result_type(*[t._data for t in tensors]))
    mats = [t.to(dt).reshape(1, -1) if t._data.ndim < 2 else t.to(dt) for t in tensors]
    if any(t._data.ndim == 0 for t in tensors):
        mats = [m.reshape(1, 1) if t._data.ndim == 0 else m for m, t in zip(mats, tensors)]
    width = sum(m.shape[1] for m in mats)
    dev = tensors[0].device
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        rows.append(cat([zeros(r, left, dtype=dt, device=dev), m,
                         zeros(r, width - left - c, dtype=dt, device=dev)], 1))
        left += c
    return cat(rows, 0)


class DiagEmbed(Function):
    """The last dim of the input on the diagonal of two new dims."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        nd = x.ndim + 1
        d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        xp = get_array_module(x)
        m = x.shape[-1]
        n = m + abs(offset)
        out = xp.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
        i = xp.arange(m)
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x
        ctx.args = (offset, d1, d2)
        return xp.moveaxis(out, (-2, -1), (d1, d2))

    @staticmethod
    def backward(ctx, g):
        from .linalg import diagonal
        offset, d1, d2 = ctx.args
        return diagonal(g, offset, d1, d2), None, None, None


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Place the last dim of ``input`` on the ``offset`` diagonal of dims ``dim1``, ``dim2``
    of a new tensor (zeros elsewhere).

    Example::

        >>> gg.diag_embed(gg.tensor([1.0, 2.0]))
        tensor([[1., 0.],
                [0., 2.]])
    """
    return DiagEmbed.apply(input, offset, dim1, dim2)


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in a 1-D non-negative integer tensor (or the sum
    of ``weights`` there). No gradient.

    Example::

        >>> gg.bincount(gg.tensor([0, 2, 2]))
        tensor([1, 0, 2])
    """
    x = input._data
    if x.dtype.kind in "fb":
        raise not_implemented_for("bincount_cpu", x)
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp = get_array_module(x)
    if x.ndim != 1 or (x.size and bool((x < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None
    if weights is not None:
        w = weights._data
        if w.ndim != 1 or w.shape[0] != x.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
    # PyTorch: counts are int64; float32 weights sum in float32, any others in float64.
    out_dtype = np.int64 if w is None else (np.float32 if w.dtype == np.float32 else
                                            np.float64)
    counts = xp.bincount(x.astype(np.int64), None if w is None else w.astype(np.float64),
                         minlength=minlength)
    counts = counts.astype(out_dtype, copy=False)
    if weights is not None and weights.requires_grad:
        return _BincountNoGrad.apply(weights, counts)
    return _make(counts)


def _fmt(v):
    # C++'s default stream format, as PyTorch's messages print doubles.
    return f"{v:g}"


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0);
    values outside, and NaN, are left out. No gradient.

    Example::

        >>> gg.histc(gg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    x = input._data
    if x.dtype.kind != "f":
        raise not_implemented_for("histogram_cpu", x)
    if bins <= 0:
        raise RuntimeError(f"gpugrad.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("gpugrad.histc: max must be larger than min")
    xp = get_array_module(x)
    if lo == hi and x.size:
        lo, hi = float(xp.min(x)), float(xp.max(x))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"gpugrad.histc: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    keep = (x >= lo) & (x <= hi)
    v = x[keep]
    # The bin of each value, in the input's dtype as PyTorch's kernel; max lands in the last.
    pos = ((v - v.dtype.type(lo)) * v.dtype.type(bins) / v.dtype.type(hi - lo))
    pos = xp.minimum(pos.astype(np.int64), bins - 1)
    return _make(xp.bincount(pos, minlength=bins).astype(x.dtype))


def _no_derivative(node_name, error):
    """A Function that passes an already computed array through, so that the result has a
    ``grad_fn`` as PyTorch's does; backward through it raises ``error``, PyTorch's."""
    def forward(ctx, x, out):
        return out

    def backward(ctx, g):
        raise error

    return type(node_name, (Function,), {
        "_array_forward": True, "_builtin": True, "_node_name": node_name,
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


_BincountNoGrad = _no_derivative(
    "NotImplemented", RuntimeError("derivative for aten::bincount is not implemented"))
_UniqueConsecutiveNoGrad = _no_derivative(
    "UniqueConsecutiveBackward0",
    NotImplementedError("the derivative for 'unique_consecutive' is not implemented."))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one.

    Example::

        >>> gg.unique_consecutive(gg.tensor([1, 1, 2, 2, 1]))
        tensor([1, 2, 1])
    """
    x = input._data
    xp = get_array_module(x)
    if dim is None:
        flat = x.reshape(-1)
        starts = xp.ones(flat.shape, dtype=bool)
        starts[1:] = flat[1:] != flat[:-1]
        out = flat[starts]
        inv_shape = x.shape
    else:
        d = _wrap_dim(dim, x.ndim)
        moved = xp.moveaxis(x, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        starts = xp.ones(rows.shape[0], dtype=bool)
        if rows.shape[0] > 1:
            starts[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
        out = xp.moveaxis(moved[starts], 0, d)
        inv_shape = starts.shape
    inverse = (xp.cumsum(starts) - 1).astype(np.int64).reshape(inv_shape)
    first = xp.flatnonzero(starts)
    counts = xp.diff(xp.append(first, starts.shape[0])).astype(np.int64)
    result = _UniqueConsecutiveNoGrad.apply(input, out) if input.requires_grad else \
        _make(out)
    extra = ([_make(inverse)] if return_inverse else []) + \
        ([_make(counts)] if return_counts else [])
    return (result, *extra) if extra else result


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence, as ``(values, indices)``.

    PyTorch's CPU kernel gives the last occurrence for short rows (its sort is then stable);
    for long rows its index may be any occurrence. NaN (never equal to itself) counts as a
    distinct value each time.

    Example::

        >>> gg.mode(gg.tensor([3.0, 1.0, 3.0, 1.0, 2.0]))
        gpugrad.return_types.mode(
        values=tensor(1.),
        indices=tensor(3))
    """
    from ..return_types import minmax_result
    from .indexing import gather
    from .reduce import _check_nonempty
    from .shape import reshape, squeeze
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        vals, idx = mode(reshape(input, (1,)), 0)
        return minmax_result("mode", reshape(vals, ()), reshape(idx, ()))
    _check_nonempty("mode", input, (d,), False)
    xp = get_array_module(x)
    moved = xp.moveaxis(x, d, -1)
    n = moved.shape[-1]
    rows = moved.reshape(-1, n)
    order = xp.argsort(rows, axis=1, kind="stable")
    sv = xp.take_along_axis(rows, order, axis=1)
    starts = xp.ones(sv.shape, dtype=bool)
    starts[:, 1:] = sv[:, 1:] != sv[:, :-1]
    ends = xp.ones(sv.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    run = xp.cumsum(starts.reshape(-1)) - 1
    lengths = xp.bincount(run)[run].reshape(sv.shape)
    # The longest run; argmax takes the first, i.e. the smallest value among ties, and the
    # run's end is, in a stable order, the last occurrence.
    best = xp.argmax(xp.where(ends, lengths, -1), axis=1)
    idx = xp.take_along_axis(order, best[:, None], axis=1).astype(np.int64)
    idx = xp.moveaxis(idx.reshape(moved.shape[:-1] + (1,)), -1, d)
    vals = gather(input, d, _make(idx))
    if not keepdim:
        vals, idx = squeeze(vals, d), idx.squeeze(d)
    return minmax_result("mode", vals, _make(idx))


def nanmedian(input, dim=None, keepdim=False):
    """The lower median ignoring NaN (NaN only where everything is NaN); with ``dim``,
    ``(values, indices)``.

    Example::

        >>> gg.nanmedian(gg.tensor([1.0, float("nan"), 3.0, 2.0]))
        tensor(2.)
    """
    from ..return_types import minmax_result
    from .indexing import gather
    from .reduce import _check_nonempty, median, sum as _sum
    from .shape import reshape, squeeze
    x = input._data
    if x.dtype.kind != "f":
        out = median(input, dim, keepdim)
        return out if dim is None else minmax_result("nanmedian", *out)
    xp = get_array_module(x)
    if dim is None:
        flat = reshape(input, (-1,))
        if x.size == 0:  # PyTorch's nanmedian of nothing is nan
            return reshape(_sum(flat) * float("nan"), ())
        valid = int((~xp.isnan(flat._data)).sum())
        k = max((valid - 1) // 2, 0)
        order = xp.argsort(flat._data, kind="stable")   # NaN sorts last
        return reshape(gather(flat, 0, _make(order[k:k + 1].astype(np.int64))), ())
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        vals, idx = nanmedian(reshape(input, (1,)), 0)
        return minmax_result("nanmedian", vals, idx)
    _check_nonempty("median", input, (d,), False)   # (PyTorch's message names median)
    valid = (~xp.isnan(x)).sum(axis=d, keepdims=True)
    k = xp.maximum((valid - 1) // 2, 0)
    order = xp.argsort(x, axis=d, kind="stable")
    idx = xp.take_along_axis(order, k, axis=d).astype(np.int64)
    vals = gather(input, d, _make(idx))
    if not keepdim:
        vals, idx = squeeze(vals, d), idx.squeeze(d)
    return minmax_result("nanmedian", vals, _make(idx))


register_methods(
    rot90=rot90, msort=msort, diag_embed=diag_embed, bincount=bincount, histc=histc,
    unique_consecutive=unique_consecutive, mode=mode, nanmedian=nanmedian,
)
