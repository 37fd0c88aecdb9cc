"""Indexing: ``x[idx]`` (basic, advanced, boolean), ``x[idx] = v``, gather, scatter,
index_select, masked_fill, masked_select, nonzero.

Basic indexing (ints, slices, None, Ellipsis) returns a view; anything with an index array
returns a copy whose backward scatters the gradient back, adding where indices repeat.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import _tls
from ..backend import get_array_module
from ..tensor import Tensor, _make, _wrap_dim
from ._util import as_operand, register_methods
from .inplace import _check_inplace, apply_inplace
from .shape import expanded_shape

__all__ = ["gather", "scatter", "scatter_add", "index_select", "masked_fill", "masked_select",
           "nonzero", "index_put", "take", "take_along_dim", "index_add", "index_copy",
           "index_fill", "argwhere", "searchsorted", "bucketize", "sort", "argsort", "topk",
           "kthvalue", "unique"]


def _normalize_index(idx, xp, shape=None):
    """The index as arrays of the data's module; bool masks become integer index arrays.

    With ``shape`` (the indexed tensor's), PyTorch's errors for a negative slice step and a
    mask whose shape does not match the dims it covers.
    """
    if not isinstance(idx, tuple):
        idx = (idx,)
    if shape is not None:
        _check_index(idx, shape)
    out = []
    advanced = False
    for i in idx:
        if isinstance(i, Tensor):
            i = i._data
        elif isinstance(i, list) or (isinstance(i, tuple)):
            i = np.asarray([j.item() if isinstance(j, Tensor) else j for j in i])
            if i.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        if hasattr(i, "dtype") and not isinstance(i, (np.generic,)):
            if i.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if xp is not np and type(i) is np.ndarray:
                i = xp.asarray(i)
            if i.dtype.kind == "b":
                out.extend(i.nonzero())
            else:
                out.append(i)
            advanced = True
        elif isinstance(i, np.generic):
            out.append(i.item())
        elif isinstance(i, (int, slice)) or i is None or i is Ellipsis:
            out.append(i)
        elif isinstance(i, (str, bytes)):
            # PyTorch tries to make an index tensor of it.
            raise TypeError(f"new(): invalid data type '{type(i).__name__}'")
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(i).__name__})")
    return tuple(out), advanced


def _consumed(i):
    """How many dims of the indexed tensor one index item covers."""
    if i is None or i is Ellipsis:
        return 0
    if isinstance(i, Tensor):
        i = i._data
    if hasattr(i, "dtype") and getattr(i, "ndim", 0) and i.dtype.kind == "b":
        return i.ndim
    return 1


def _check_index(idx, shape):
    masks = False
    for i in idx:
        if type(i) is slice:
            if i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
        elif i is not None and i is not Ellipsis and type(i) is not int:
            masks = True
    if not masks:
        return
    n_used = sum(_consumed(i) for i in idx)
    dim = 0
    for i in idx:
        if i is Ellipsis:
            dim += max(len(shape) - n_used, 0)
            continue
        mask = i._data if isinstance(i, Tensor) else i
        if hasattr(mask, "dtype") and getattr(mask, "ndim", 0) and mask.dtype.kind == "b":
            for k, m in enumerate(mask.shape):
                if dim + k < len(shape) and m != shape[dim + k]:
                    raise IndexError(f"The shape of the mask {list(mask.shape)} at index {k} "
                                     f"does not match the shape of the indexed tensor "
                                     f"{list(shape)} at index {dim + k}")
        dim += _consumed(i)


def _check_bounds(shape, idx):
    """PyTorch's IndexError for an out-of-range integer index."""
    dim = 0
    for i in idx:
        if i is None:
            continue
        if i is Ellipsis:
            dim = len(shape) - (len([j for j in idx if j is not None and j is not Ellipsis])
                                - idx.index(Ellipsis)) + 1
            continue
        if isinstance(i, int) and not isinstance(i, bool):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            n = shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
        elif hasattr(i, "dtype") and i.size:
            if dim < len(shape):
                n = shape[dim]
                lo, hi = int(i.min()), int(i.max())
                if lo < -n or hi >= n:
                    bad = hi if hi >= n else lo
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with "
                                     f"size {n}")
        dim += 1


def _save_index(ctx, idx):
    """Keep ``idx`` for backward: its arrays through save_for_backward (counted as held for
    backward, seen by saved-tensor hooks), its ints, slices, None and Ellipsis on ctx."""
    if True not in ctx.needs_input_grad:
        return                  # not recorded: nothing outlives the call
    arrays = tuple(k for k, i in enumerate(idx)
                   if hasattr(i, "dtype") and not isinstance(i, np.generic))
    ctx.idx = tuple(None if k in arrays else i for k, i in enumerate(idx)) if arrays else idx
    ctx.idx_arrays = arrays
    ctx.save_for_backward(*[idx[k] for k in arrays])


def _saved_index(ctx):
    """The index that :func:`_save_index` kept, with its arrays back in place."""
    arrays = ctx.idx_arrays
    if not arrays:
        return ctx.idx
    idx = list(ctx.idx)
    for k, t in zip(arrays, ctx.saved_tensors):
        idx[k] = t._data
    return tuple(idx)


class GetItem(Function):
    _array_forward = True
    _builtin = True
    _view_op = True

    @staticmethod
    def forward(ctx, x, idx, advanced):
        ctx.in_shape, ctx.dtype, ctx.advanced = x.shape, x.dtype, advanced
        _save_index(ctx, idx)
        if not advanced and Ellipsis not in idx:
            # With an Ellipsis, NumPy returns a 0-d view, not a scalar, for a full index.
            idx = idx + (Ellipsis,)
        try:
            return x[idx]
        except IndexError as e:
            _check_bounds(x.shape, idx)
            raise IndexError(str(e)) from None

    @staticmethod
    def backward(ctx, g):
        return IndexAddIntoZeros.apply(g, _saved_index(ctx), ctx.in_shape, ctx.advanced), \
            None, None


class IndexAddIntoZeros(Function):
    """zeros(shape) with ``g`` added at ``idx`` (repeats accumulate); the backward of x[idx]."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, idx, shape, advanced):
        ctx.advanced = advanced
        _save_index(ctx, idx)
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if advanced:
            _add_at(xp, out, idx, g)
        else:
            out[idx] = g
        return out

    @staticmethod
    def backward(ctx, gg_):
        return GetItem.apply(gg_, _saved_index(ctx), ctx.advanced), None, None, None


def _add_at(xp, out, idx, vals):
    if xp is np:
        np.add.at(out, idx, vals)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, vals)


def getitem(self, idx):
    """``self[idx]``: NumPy's indexing rules, as PyTorch's."""
    if self._data.ndim == 0 and idx is not None and idx is not Ellipsis and \
            not (isinstance(idx, tuple) and all(i is None or i is Ellipsis for i in idx)) and \
            not isinstance(idx, Tensor):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    xp = get_array_module(self._data)
    nidx, advanced = _normalize_index(idx, xp, self._data.shape)
    out = GetItem.apply(self, nidx, advanced)
    if advanced and out._base is not None:
        out._base = None
    return out


class IndexPut(Function):
    """``x`` with ``x[idx]`` replaced by (or, with accumulate, increased by) ``v``."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, v, idx, accumulate):
        ctx.accumulate = accumulate
        _save_index(ctx, idx)
        out = x.copy()
        xp = get_array_module(x)
        if accumulate:
            _add_at(xp, out, idx, xp.broadcast_to(xp.asarray(v, dtype=x.dtype),
                                                   out[idx].shape))
        else:
            out[idx] = v
        return out

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        idx = _saved_index(ctx)
        gx = gv = None
        if need[0]:
            gx = g if ctx.accumulate else IndexPut.apply(g, 0.0, idx, False)
        if need[1]:
            gv = GetItem.apply(g, idx, True)
        return gx, gv, None, None


def index_put(input, indices, values, accumulate=False):
    """Out-of-place ``input[indices] = values`` (``accumulate`` adds instead)."""
    xp = get_array_module(input._data)
    nidx, _ = _normalize_index(tuple(indices), xp)
    return IndexPut.apply(input, as_operand(values), nidx, accumulate)


def setitem(self, idx, value):
    """``self[idx] = value``: writes into self's storage (recorded while grad mode is on)."""
    xp = get_array_module(self._data)
    nidx, advanced = _normalize_index(idx, xp, self._data.shape)
    value = _strip_leading_ones(as_operand(value))
    recording = _tls.grad_enabled and (self._requires_grad or
                                      getattr(value, "_requires_grad", False))
    if not recording:
        _check_inplace(self, recording)
        v = value._data if isinstance(value, Tensor) else value
        if hasattr(v, "dtype") and type(v) is not type(self._data):
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               "least two devices")
        try:
            self._data[nidx] = v
        except IndexError as e:
            _check_bounds(self._data.shape, nidx)
            raise IndexError(str(e)) from None
        except ValueError as e:
            if isinstance(value, Tensor):
                _check_value_shape(value, self._data[nidx].shape, advanced)
            raise RuntimeError(f"shape mismatch: {e}") from None
        self._version[0] += 1
        return
    if not advanced:
        # Basic indexing selects a view: copy into it, as PyTorch (CopySlices on the base).
        from .inplace import copy_
        view = getitem(self, idx)
        if isinstance(value, Tensor):
            expanded_shape(value, view._data.shape)
        copy_(view, value)
        return
    apply_inplace(self, _IndexPutInplace, value, nidx)


def _check_value_shape(value, target, advanced):
    """PyTorch's error when a value does not broadcast to the indexed shape ``target``."""
    if not advanced:
        expanded_shape(value, target)
        return
    from ..autograd.broadcast import broadcast_shapes
    try:
        ok = broadcast_shapes(value._data.shape, target) == tuple(target)
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._data.shape)} "
                           f"cannot be broadcast to indexing result of shape {list(target)}")


def _strip_leading_ones(value):
    """A tensor value without its leading size-1 dims: PyTorch assigns ``x[1] = t`` with t of
    shape (1,) or (1, 1, n) as if t had none, then expands it to the indexed shape."""
    if not isinstance(value, Tensor):
        return value
    shape = value._data.shape
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return value.reshape(shape[k:]) if k else value


class _IndexPutInplace(IndexPut):
    """IndexPut with the argument order ``apply_inplace`` passes (value, idx)."""
    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, idx):
        return IndexPut.forward(ctx, x, v, idx, False)

    @staticmethod
    def backward(ctx, g):
        return IndexPut.backward(ctx, g)[:3]


def _dim_index(ndim, d, index):
    """An index tuple selecting ``index`` along ``d`` with aligned aranges elsewhere."""
    xp = get_array_module(index)
    shape = index.shape
    idx = []
    for k in range(ndim):
        if k == d:
            idx.append(index)
        else:
            view = [1] * ndim
            view[k] = shape[k]
            idx.append(xp.arange(shape[k]).reshape(view))
    return tuple(idx)


def gather(input, dim, index, *, sparse_grad=False):
    """Values of ``input`` along ``dim`` at ``index`` (the same shape as ``index``).

    Example::

        >>> gg.tensor([[1, 2], [3, 4]]).gather(1, gg.tensor([[0], [1]]))
        tensor([[1],
                [4]])
    """
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    ix = index._data
    _check_dim_index("gather", input._data, d, ix)
    idx = _dim_index(nd, d, ix)
    return GetItem.apply(input, idx, True)


def _check_dim_index(name, x, d, ix, src=None):
    """PyTorch's checks of gather's and scatter's ``index`` along dim ``d`` of array ``x``
    (and of scatter's ``src``): dtype, rank, sizes and bounds, before anything is written."""
    nd = x.ndim
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype != x.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if ix.ndim != nd and not (nd == 0 and ix.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    too_big = [k for k in range(nd) if k != d and ix.shape[k] > x.shape[k]]
    if src is not None and ix.ndim == src.ndim:
        src_small = any(i > n for i, n in zip(ix.shape, src.shape))
    else:
        src_small = False
    if too_big or src_small:
        if name == "gather":
            raise RuntimeError(f"Size does not match at dimension {too_big[0]} expected index "
                               f"{list(ix.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d}")
        extra = f" and to be no larger size than src {list(src.shape)}" if src is not None \
            else ""
        raise RuntimeError(f"Expected index {list(ix.shape)} to be no larger than self "
                           f"{list(x.shape)} apart from dimension {d}{extra}")
    n = x.shape[d] if nd else 1
    if ix.size and (int(ix.max()) >= n or int(ix.min()) < 0):
        bad = int(ix.max()) if int(ix.max()) >= n else int(ix.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    from ..autograd.broadcast import broadcast_shapes
    from .shape import broadcast_to
    nd = input._data.ndim
    if indices._data.ndim != nd:
        raise RuntimeError("gpugrad.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    # Unlike gather, the other dims broadcast (PyTorch's rule).
    d = _wrap_dim(dim, nd)
    xs, js = list(input._data.shape), list(indices._data.shape)
    n_x, n_j = (xs[d], js[d]) if nd else (1, 1)
    if nd:
        xs[d] = js[d] = 1
    common = broadcast_shapes(tuple(xs), tuple(js))
    if nd:
        input = broadcast_to(input, common[:d] + (n_x,) + common[d + 1:])
        indices = broadcast_to(indices, common[:d] + (n_j,) + common[d + 1:])
    return gather(input, d, indices)


def take(input, index):
    return getitem(input.reshape(-1), index)


def scatter_into_zeros(g, index, d, shape):
    """zeros(shape) with ``g`` placed at ``index`` along ``d`` (index as an array or Tensor)."""
    ix = index._data if isinstance(index, Tensor) else index
    return IndexAddIntoZeros.apply(g, _dim_index(len(shape), d, ix), shape, True)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with values from ``src`` written along ``dim`` at ``index`` (out-of-place)."""
    if src is None:
        src = value
    d = _wrap_dim(dim, input._data.ndim)
    ix = index._data
    _check_dim_index("scatter", input._data, d, ix,
                     src._data if isinstance(src, Tensor) else None)
    idx = _dim_index(input._data.ndim, d, ix)
    if isinstance(src, Tensor) and src._data.shape != ix.shape:
        src = src[tuple(slice(0, s) for s in ix.shape)]
    if reduce == "add":
        return IndexPut.apply(input, as_operand(src), idx, True)
    if reduce is not None:
        raise NotImplementedError(f"scatter reduce={reduce!r} is not supported")
    return IndexPut.apply(input, as_operand(src), idx, False)


def scatter_add(input, dim, index, src):
    """``input`` plus ``src`` added along ``dim`` at ``index`` (repeats accumulate)."""
    return scatter(input, dim, index, src, reduce="add")


def index_select(input, dim, index):
    """Rows (or slices along ``dim``) of ``input`` at the 1-D ``index``."""
    d = _wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input._data.ndim == 0 and index._data.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{index._data.size} value(s)")
    idx = (slice(None),) * d + (index._data.reshape(-1),)
    n = input._data.shape[d] if input._data.ndim else 1
    ix = index._data
    if ix.size and (int(ix.max()) >= n or int(ix.min()) < 0):
        raise IndexError("index out of range in self")
    return GetItem.apply(input, idx, True)


def index_add(input, dim, index, source, *, alpha=1):
    d = _wrap_dim(dim, input._data.ndim)
    idx = (slice(None),) * d + (index._data,)
    return IndexPut.apply(input, source * alpha if alpha != 1 else source, idx, True)


def index_copy(input, dim, index, source):
    d = _wrap_dim(dim, input._data.ndim)
    idx = (slice(None),) * d + (index._data,)
    return IndexPut.apply(input, source, idx, False)


def index_fill(input, dim, index, value):
    d = _wrap_dim(dim, input._data.ndim)
    idx = (slice(None),) * d + (index._data,)
    return IndexPut.apply(input, as_operand(value), idx, False)


class MaskedFill(Function):
    """``input`` with a number where ``mask`` is True (the output broadcasts as PyTorch's)."""
    _array_forward = True
    _builtin = True
    _edge_args = (0,)

    @staticmethod
    def forward(ctx, x, mask, value):
        from ..autograd.broadcast import broadcast_shapes
        broadcast_shapes(x.shape, mask.shape)
        xp = get_array_module(x, mask)
        ctx.save_for_backward(mask)
        return xp.where(mask, xp.asarray(value, dtype=x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        from .arithmetic import where
        mask, = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = where(mask, 0.0, g) if need[0] else None
        gv = where(mask, g, 0.0).sum() if need[2] else None
        return gx, None, gv


class MaskedFillTensor(MaskedFill):
    """masked_fill with a 0-d tensor value that requires grad."""
    _node_name = "MaskedFillBackward1"
    _edge_args = (0, 2)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where the bool ``mask`` (broadcast) is True.

    Example::

        >>> gg.tensor([1.0, 2.0]).masked_fill(gg.tensor([True, False]), 0.0)
        tensor([0., 2.])
    """
    if mask._data.dtype.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dt.cpp_name(mask._data.dtype)}")
    value = as_operand(value)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        if value._requires_grad and _tls.grad_enabled:
            return MaskedFillTensor.apply(input, mask, value.to(input.dtype))
        value = value.item()
    return MaskedFill.apply(input, mask, value)


def masked_select(input, mask):
    """The elements where ``mask`` is True, as a 1-D tensor."""
    from .shape import broadcast_tensors, reshape
    x, m = broadcast_tensors(input, mask)
    if x._data.ndim == 0:  # NumPy cannot take the nonzero of a 0-d mask
        x, m = reshape(x, (1,)), reshape(m, (1,))
    return getitem(x, m)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements (an ``(n, ndim)`` int64 tensor, or a tuple)."""
    xp = get_array_module(input._data)
    nz = xp.nonzero(input._data if input._data.ndim else input._data.reshape(1))
    if input._data.ndim == 0 and not as_tuple:  # (1, 0) or (0, 0), as PyTorch's
        return _make(xp.zeros((nz[0].size, 0), np.int64))
    if as_tuple:
        return tuple(_make(a.astype(np.int64)) for a in nz)
    return _make(xp.stack(nz, axis=1).astype(np.int64) if nz else
                 xp.zeros((0, 0), np.int64))


argwhere = nonzero


def _take_diagonal(input, offset, dim1, dim2):
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    from .shape import movedim
    x = movedim(input, (d1, d2), (-2, -1))
    r, c = x._data.shape[-2:]
    if offset >= 0:
        n = max(min(r, c - offset), 0)
        rows, cols = np.arange(n), np.arange(n) + offset
    else:
        n = max(min(r + offset, c), 0)
        rows, cols = np.arange(n) - offset, np.arange(n)
    xp = get_array_module(input._data)
    return GetItem.apply(x, (Ellipsis, xp.asarray(rows), xp.asarray(cols)), True)


def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values and their indices along ``dim``."""
    from ..return_types import minmax_result
    from .shape import reshape
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # one element at index 0, both 0-d
        vals, idx = sort(reshape(input, (1,)), 0, descending, stable)
        return minmax_result("sort", reshape(vals, ()), reshape(idx, ()))
    xp = get_array_module(input._data)
    # ~x reverses the order of integers without overflow (-x wraps uint8 and int8's -128).
    key = input._data if not descending or input._data.dtype.kind == "b" else (
        ~input._data if input._data.dtype.kind in "iu" else -input._data)
    order = xp.argsort(key, axis=d, kind="stable").astype(np.int64)
    if descending and input._data.dtype.kind == "b":
        order = xp.flip(xp.argsort(input._data, axis=d, kind="stable"), axis=d).astype(np.int64)
    elif descending and input._data.dtype.kind == "f":
        # NaN counts as the largest value (first when descending); NumPy puts it last.
        nan_sorted = xp.take_along_axis(xp.isnan(input._data), order, axis=d)
        if bool(nan_sorted.any()):
            order = xp.take_along_axis(order, xp.argsort(~nan_sorted, axis=d, kind="stable"),
                                       axis=d)
    idx = _make(order)
    return minmax_result("sort", gather(input, d, idx), idx)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) values and their indices along ``dim``."""
    from ..return_types import minmax_result
    from .shape import narrow
    d = _wrap_dim(dim, input._data.ndim)
    if k > (input._data.shape[d] if input._data.ndim else 1):
        raise RuntimeError("selected index k out of range")
    vals, idx = sort(input, d, descending=largest, stable=True)
    if input._data.ndim == 0:
        return minmax_result("topk", vals, idx.detach())
    return minmax_result("topk", narrow(vals, d, 0, k), narrow(idx, d, 0, k).detach())


def kthvalue(input, k, dim=-1, keepdim=False):
    from ..return_types import minmax_result
    from .shape import narrow, squeeze
    d = _wrap_dim(dim, input._data.ndim)
    vals, idx = sort(input, d, stable=True)
    if input._data.ndim == 0 and k == 1:
        return minmax_result("kthvalue", vals, idx.detach())
    v, i = narrow(vals, d, k - 1, 1), narrow(idx, d, k - 1, 1)
    if not keepdim:
        v, i = squeeze(v, d), squeeze(i, d)
    return minmax_result("kthvalue", v, i.detach())


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    xp = get_array_module(input._data)
    res = xp.unique(input._data, return_inverse=return_inverse, return_counts=return_counts,
                    axis=dim)
    if not isinstance(res, tuple):
        return _make(res)
    out = [_make(res[0])]
    k = 1
    if return_inverse:
        out.append(_make(res[k].reshape(input._data.shape).astype(np.int64)))
        k += 1
    if return_counts:
        out.append(_make(res[k].astype(np.int64)))
    return tuple(out)


def searchsorted(sorted_sequence, values, *, right=False, side=None):
    xp = get_array_module(sorted_sequence._data)
    side = side or ("right" if right else "left")
    v = values._data if isinstance(values, Tensor) else values
    return _make(xp.asarray(xp.searchsorted(sorted_sequence._data, v, side=side),
                            dtype=np.int64))


def bucketize(input, boundaries, *, right=False):
    return searchsorted(boundaries, input, right=right)


register_methods(
    __getitem__=getitem, __setitem__=setitem, gather=gather, scatter=scatter,
    scatter_add=scatter_add, index_select=index_select, masked_fill=masked_fill,
    masked_select=masked_select, nonzero=nonzero, argwhere=nonzero, index_put=index_put,
    take=take, take_along_dim=take_along_dim, index_add=index_add, index_copy=index_copy,
    index_fill=index_fill, sort=sort, argsort=argsort, topk=topk, kthvalue=kthvalue,
    unique=unique,
)
