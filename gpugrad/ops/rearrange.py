"""Shape ops built from the basic ones in ``shape``: select, roll, tensor_split and the
h/v/d splits, dstack, column_stack, atleast_3d, meshgrid, diff.

Each is a composition of views, cat and arithmetic, so gradients come from those.
"""
import warnings

from ..tensor import Tensor, _make, _wrap_dim
from ._util import register_methods
from .shape import atleast_1d, atleast_2d, cat, hstack, narrow, reshape, unsqueeze

__all__ = ["select", "roll", "tensor_split", "hsplit", "vsplit", "dsplit", "dstack",
           "column_stack", "atleast_3d", "meshgrid", "diff"]

# Tensor.unfold is a method only (torch.unfold does not exist).


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, that dim removed (a view).

    Example::

        >>> gg.arange(6.).reshape(2, 3).select(1, -1)
        tensor([2., 5.])
    """
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    return input[(slice(None),) * d + (index,)]


def roll(input, shifts, dims=None):
    """Shift elements along ``dims`` by ``shifts``, wrapping around (over the flattened
    tensor when ``dims`` is None, keeping its shape).

    Example::

        >>> gg.arange(4).roll(1)
        tensor([3, 0, 1, 2])
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        return reshape(roll(reshape(input, (-1,)), shifts, 0), input._data.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    out = input
    for shift, dim in zip(shifts, dims):
        d = _wrap_dim(dim, input._data.ndim)
        n = input._data.shape[d]
        k = shift % n if n else 0
        if k:
            # The last k elements move to the front: two views joined, differentiable as cat.
            out = cat([narrow(out, d, n - k, k), narrow(out, d, 0, n - k)], d)
    return out


def _slice_along(input, d, start, stop):
    """``input[..., start:stop, ...]`` on dim ``d`` (a view; bounds clip as Python's)."""
    return input[(slice(None),) * d + (slice(start, stop),)]


def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``n`` nearly equal parts (the first ``size % n`` one longer), or at the
    given indices, along ``dim``: views, as PyTorch's.

    Example::

        >>> [t.tolist() for t in gg.arange(5).tensor_split(2)]
        [[0, 1, 2], [3, 4]]
    """
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, input._data.ndim)
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.tolist()
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        size = input._data.shape[d]
        base, extra = divmod(size, spec)
        bounds, at = [], 0
        for k in range(spec - 1):
            at += base + (k < extra)
            bounds.append(at)
    else:
        bounds = list(spec)
    edges = [0] + bounds + [None]
    return tuple(_slice_along(input, d, a, b) for a, b in zip(edges[:-1], edges[1:]))


def _split_even(name, input, spec, d):
    """hsplit, vsplit, dsplit: tensor_split along ``d``, where a count must divide evenly."""
    if isinstance(spec, int) and spec and input._data.shape[d] % spec:
        raise RuntimeError(f"gpugrad.{name} attempted to split along dimension {d}, but the "
                           f"size of the dimension {input._data.shape[d]} is not divisible by "
                           f"the split_size {spec}!")
    return tensor_split(input, spec, d)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for a 1-D tensor)."""
    return _split_even("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0)


def vsplit(input, indices_or_sections):
    """Split along dim 0."""
    return _split_even("vsplit", input, indices_or_sections, 0)


def dsplit(input, indices_or_sections):
    """Split along dim 2."""
    return _split_even("dsplit", input, indices_or_sections, 2)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = tensors[0]
    if t._data.ndim < 2:
        t = atleast_2d(t)
    return unsqueeze(t, 2) if t._data.ndim == 2 else t


def dstack(tensors):
    """Join along dim 2, after :func:`atleast_3d`."""
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    """Join 1-D tensors as columns (and 2-D ones as they are) along dim 1."""
    return hstack([reshape(t, (-1, 1)) if t._data.ndim <= 1 else t for t in tensors])


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors; ``indexing='ij'`` (the default) or ``'xy'``.

    Example::

        >>> ii, jj = gg.meshgrid(gg.arange(2), gg.arange(3), indexing="ij")
        >>> ii.shape
        gpugrad.Size([2, 3])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("gpugrad.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"gpugrad.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("gpugrad.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got a tensor of shape {list(t._data.shape)}")
    tensors = [atleast_1d(t) for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t._data.shape[0] for t in tensors)
    n = len(tensors)
    grids = [reshape(t, (1,) * k + (-1,) + (1,) * (n - k - 1)).expand(shape)
             for k, t in enumerate(tensors)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``!=`` for bool tensors), after joining
    ``prepend`` and ``append``."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _wrap_dim(dim, input._data.ndim)
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, input, append) if p is not None]
        input = cat([p if p._data.ndim else p.expand(input._data.shape[:d] + (1,)
                                                      + input._data.shape[d + 1:])
                     for p in parts], d)
    for _ in range(n):
        hi, lo = _slice_along(input, d, 1, None), _slice_along(input, d, 0, -1)
        input = hi != lo if input._data.dtype.kind == "b" else hi - lo
    return input


def unfold(input, dimension, size, step):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart: that dim
    becomes the window count and a new last dim of ``size`` holds each window.

    Example::

        >>> gg.arange(5.).unfold(0, 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    from .indexing import index_select
    nd = input._data.ndim
    d = _wrap_dim(dimension, nd)
    n = input._data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return reshape(input, (1,))
    xp = input._array_module
    windows = (n - size) // step + 1
    idx = (xp.arange(windows)[:, None] * step + xp.arange(size)[None, :]).reshape(-1)
    picked = index_select(input, d, _make(idx))
    shape = input._data.shape
    picked = reshape(picked, shape[:d] + (windows, size) + shape[d + 1:])
    return picked.movedim(d + 1, -1)


register_methods(
    unfold=unfold, select=select, roll=roll, tensor_split=tensor_split, hsplit=hsplit,
    vsplit=vsplit, dsplit=dsplit, diff=diff,
)
