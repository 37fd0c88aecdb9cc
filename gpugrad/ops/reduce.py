"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, cumsum, cumprod, all/any
(var, std, logsumexp and norm are in ``statistics``).

``dim`` takes None, an int or a sequence; ``keepdim`` keeps reduced dims as size 1. Backward
broadcasts the incoming gradient back over the reduced dims.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make, _wrap_dim
from ._util import normalize_dims, not_implemented_for, register_methods
from .shape import broadcast_to, reshape
from ..autograd.broadcast import BroadcastTo, broadcast_view

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum",
           "cumprod", "all", "any", "count_nonzero", "aminmax", "median", "nansum", "nanmean"]



def _keep_shape(shape, axes):
    """``shape`` with ``axes`` set to 1 (the keepdim shape of a reduction)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to ``in_shape``."""
    if not keepdim and g._data.ndim:
        # A 0-d gradient (of a full reduction) broadcasts as it is: no reshape node first.
        g = reshape(g, _keep_shape(in_shape, axes))
    if g._data.shape == in_shape:
        return broadcast_to(g, in_shape)
    # The keepdim shape broadcasts to in_shape by construction: no need for the checks of
    # broadcast_to.
    return BroadcastTo.apply(g, in_shape)


def _expand_back_array(g, in_shape, axes, keepdim):
    """``_expand_back`` on an array, by the same reshape and broadcast calls."""
    if not keepdim and g.ndim:
        g = g.reshape(_keep_shape(in_shape, axes))
    if g.shape == in_shape:
        return g.reshape(in_shape)
    if type(g) is np.ndarray:
        return broadcast_view(g, in_shape)
    return get_array_module(g).broadcast_to(g, in_shape)


def sum_array(x, axes, keepdim=False, dtype=None):
    """``x.sum(axes)``: for a NumPy array the ufunc ndarray.sum calls, without its
    Python-level wrapper."""
    if type(x) is np.ndarray:
        if not keepdim and len(axes) == x.ndim and (dtype is not None or x.dtype.kind in "fc"):
            # A full reduction straight into a 0-d array: NumPy would return a scalar that
            # the tensor then wraps into an array again (same loop, same dtype).
            return np.add.reduce(x, axes, dtype, np.empty((), x.dtype if dtype is None else dtype), False)
        return np.add.reduce(x, axes, dtype, None, keepdim)
    return x.sum(axis=axes, keepdims=keepdim, dtype=dtype)


class Sum(Function):
    """Sum over all dims (SumBackward0); ``SumDim`` names the one over given dims."""
    _array_forward = True
    _builtin = True
    _ctx_free = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        if ctx.needs_input_grad[0]:     # recorded (backward's only reader)
            ctx.in_shape = x.shape
            ctx.axes, ctx.keepdim = axes, keepdim
        if dtype is None:
            dt = x.dtype
            if dt.kind in "fc":
                if type(x) is np.ndarray and not keepdim and len(axes) == x.ndim:
                    # x.sum() of a float array, the commonest reduction: straight into a
                    # 0-d array, as sum_array does it, one call and dtype test sooner.
                    return np.add.reduce(x, None, None, np.empty((), dt), False)
            elif dt.kind in "biu":
                dtype = np.int64
        return sum_array(x, axes, keepdim, dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None, None

    @staticmethod
    def _backward_arrays(ctx, g):
        return _expand_back_array(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None, None


class SumDim(Sum):
    _node_name = "SumBackward1"


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over all elements or over ``dim``.

    Example::

        >>> gg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
    """
    ndim = input._data.ndim
    if dim is None and ndim < 9 and dtype is None:
        return _sum_all(input, _ALL_AXES[ndim], keepdim, None)   # x.sum(): the short way
    every = dim is None or isinstance(dim, (list, tuple)) and len(dim) == 0
    axes = _all_axes(ndim) if every else normalize_dims(dim, ndim)
    return (Sum if every else SumDim).apply(input, axes, keepdim,
                                            None if dtype is None else _dt.to_numpy_dtype(dtype))


_ALL_AXES = [tuple(range(n)) for n in range(9)]
_sum_all = Sum.apply


def _all_axes(ndim):
    return _ALL_AXES[ndim] if ndim < 9 else tuple(range(ndim))


class Mean(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.n = n
        if n == 0:  # nan, silently as PyTorch (NumPy's mean warns "Mean of empty slice")
            with np.errstate(all="ignore"):
                return x.sum(axis=axes, keepdims=keepdim) / x.dtype.type(0)
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n if ctx.n else g * float("nan"), ctx.in_shape, ctx.axes,
                            ctx.keepdim), None, None


class MeanDim(Mean):
    _node_name = "MeanBackward1"


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over all elements or over ``dim`` (floating tensors only, as in PyTorch)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(f"mean(): could not infer output dtype. {which} dtype must be either "
                           f"a floating point or complex dtype. Got: "
                           f"{_dt.torch_name(input._data.dtype)}")
    axes = normalize_dims(dim, input._data.ndim)
    return (Mean if dim is None else MeanDim).apply(input, axes, keepdim)


class Prod(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.in_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        y = x.prod(axis=axes, keepdims=keepdim,
                   dtype=np.int64 if x.dtype.kind in "biu" else None)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x._data.size == 0:  # an empty product is 1; the gradient is as empty as x
            return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None
        # Product of all the others, computed without dividing so zeros are handled: for each
        # reduced position, prod(others) = exclusive cumprod from the left * from the right.
        axes = ctx.axes
        if len(axes) == 1:
            d = axes[0]
            left = _exclusive_cumprod(x, d, reverse=False)
            right = _exclusive_cumprod(x, d, reverse=True)
            others = left * right
        else:
            from .shape import permute
            nd = x.ndim
            keep = [i for i in range(nd) if i not in axes]
            perm = keep + list(axes)
            xp_ = permute(x, *perm)
            flat_shape = tuple(x.shape[i] for i in keep) + (-1,)
            xf = reshape(xp_, flat_shape)
            d = xf.ndim - 1
            others_f = _exclusive_cumprod(xf, d, False) * _exclusive_cumprod(xf, d, True)
            others_p = reshape(others_f, tuple(xp_.shape))
            others = permute(others_p, *np.argsort(perm).tolist())
        return _expand_back(g, ctx.in_shape, axes, ctx.keepdim) * others, None, None


class ProdDim(Prod):
    _node_name = "ProdBackward1"


def _exclusive_cumprod(x, d, reverse):
    from .creation import ones
    from .shape import cat, flip, narrow
    n = x.shape[d]
    if reverse:
        x = flip(x, d)
    shape = list(x.shape)
    shape[d] = 1
    one = ones(*shape, dtype=x.dtype, device=x.device)
    ex = cat([one, narrow(x, d, 0, n - 1)], d) if n > 1 else one
    out = cumprod(ex, d)
    return flip(out, d) if reverse else out


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over all elements or over one ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    axes = normalize_dims(dim, input._data.ndim)
    return (Prod if dim is None else ProdDim).apply(input, axes, keepdim)


def _scan_dtype(dtype):
    """The accumulator of a cumulative sum or product: int64 for integers and bool, float32
    for float16 (as PyTorch accumulates half; NumPy would round every partial result to
    float16), the dtype itself otherwise."""
    if dtype.kind in "biu":
        return np.int64
    return np.float32 if dtype == np.float16 else None


class Cumsum(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, d):
        ctx.d = d
        # reshape: NumPy's cumsum of a 0-d array is 1-d; PyTorch's stays 0-d.
        return x.cumsum(axis=d, dtype=_scan_dtype(x.dtype)).reshape(x.shape).astype(
            x.dtype if x.dtype.kind not in "biu" else np.int64, copy=False)

    @staticmethod
    def backward(ctx, g):
        from .shape import flip
        return flip(cumsum(flip(g, ctx.d), ctx.d), ctx.d), None


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return Cumsum.apply(input, _wrap_dim(dim, input._data.ndim))


class Cumprod(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, d):
        ctx.d = d
        # int64 for integer inputs (NumPy would give uint64 for uint8); 0-d stays 0-d.
        y = x.cumprod(axis=d, dtype=_scan_dtype(x.dtype)).reshape(x.shape).astype(
            x.dtype if x.dtype.kind not in "biu" else np.int64, copy=False)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        from .shape import flip
        d = ctx.d
        if x._data.ndim == 0:  # the product of one element is that element
            return g, None
        if not bool((x._data == 0).any()):
            # d y_j / d x_i = y_j / x_i for j >= i: a reversed cumsum, then one division.
            return flip(cumsum(flip(g * y, d), d), d) / x, None
        return _cumprod_grad_with_zeros(x, g, d), None


def _cumprod_grad_with_zeros(x, g, d):
    """The cumprod gradient without dividing by x: for each i, the products of x with x_i
    replaced by 1 (an n x n intermediate, used only when x has zeros)."""
    from .arithmetic import where
    from .creation import eye, ones
    from .shape import movedim, unsqueeze
    xm = movedim(x, d, -1)
    gm = movedim(g, d, -1)
    n = xm.shape[-1]
    dev = x.device
    diag = eye(n, dtype=_dt.bool, device=dev)
    others = where(diag, 1.0, unsqueeze(xm, -2))          # [..., i, k]
    partial = cumprod(others, -1)                          # prod_{k <= j, k != i} x_k
    upper = _make(get_array_module(x._data).triu(ones(n, n, device=dev)._data).astype(bool))
    terms = where(upper, partial * unsqueeze(gm, -2), 0.0)  # only j >= i contributes
    return movedim(sum(terms, -1), -1, d)


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return Cumprod.apply(input, _wrap_dim(dim, input._data.ndim))


_NO_IDENTITY = ("{}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument.")


def _check_nonempty(name, input, axes, every):
    """PyTorch's errors for max-like reductions over nothing (they have no identity)."""
    shape = input._data.shape
    if every:
        if input._data.size == 0:
            raise RuntimeError(_NO_IDENTITY.format(name))
        return
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


class _Extreme(Function):
    """max/min/amax/amin over axes; ties share the gradient evenly (PyTorch's amax rule)."""
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_max):
        # (``any`` here would be this module's own.)
        if x.size == 0 and (not axes or 0 in [x.shape[a] for a in axes]):
            raise RuntimeError(_NO_IDENTITY.format("max" if is_max else "min"))
        y = x.max(axis=axes, keepdims=True) if is_max else x.min(axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, x.shape
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape)
                                                 if i not in axes))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        mask = (x == y).to(g.dtype)
        count = sum(mask, ctx.axes, keepdim=True)
        return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim) * mask / count, \
            None, None, None


class _ExtremeDim(Function):
    """max/min along one dim with indices; the gradient goes to the chosen index only."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, d, keepdim, is_max):
        if x.shape[d] == 0:
            raise IndexError(f"{'max' if is_max else 'min'}(): Expected reduction dim {d} to "
                             f"have non-zero size.")
        xp = get_array_module(x)
        idx = (xp.argmax if is_max else xp.argmin)(x, axis=d)
        if x.dtype.kind == "f":
            # NaN propagates as PyTorch: the index of the first NaN wins.
            nan = xp.isnan(x)
            if nan.any():
                has = nan.any(axis=d)
                idx = xp.where(has, xp.argmax(nan, axis=d), idx)
        idx_k = xp.expand_dims(idx, d)
        vals = xp.take_along_axis(x, idx_k, axis=d)
        ctx.d, ctx.keepdim, ctx.in_shape = d, keepdim, x.shape
        if not keepdim:
            vals = vals.squeeze(d)
            idx_k = idx
        # argmax's intp is int64 on 64-bit platforms: no copy. The node keeps the indices it
        # returns (as PyTorch's), not a second array of the same numbers.
        idx_out = idx_k.astype(np.int64, copy=False)
        ctx.save_for_backward(idx_out)
        ctx.mark_non_differentiable(idx_out)
        return vals, idx_out

    @staticmethod
    def backward(ctx, g, g_idx):
        idx_k, = ctx.saved_tensors
        if g is None:
            return None, None, None, None
        from .indexing import scatter_into_zeros
        if not ctx.keepdim:
            from .shape import unsqueeze
            g = unsqueeze(g, ctx.d)
            idx_k = unsqueeze(idx_k, ctx.d)
        return scatter_into_zeros(g, idx_k, ctx.d, ctx.in_shape), None, None, None


# PyTorch's node names: max() is MaxBackward1, max(dim) MaxBackward0, amax AmaxBackward0.
_FULL = {True: type("Max", (_Extreme,), {"_node_name": "MaxBackward1"}),
         False: type("Min", (_Extreme,), {"_node_name": "MinBackward1"})}
_AMAX = {True: type("Amax", (_Extreme,), {}), False: type("Amin", (_Extreme,), {})}
_DIM = {True: type("MaxDim", (_ExtremeDim,), {"_node_name": "MaxBackward0"}),
        False: type("MinDim", (_ExtremeDim,), {"_node_name": "MinBackward0"})}
for _cls in (_ExtremeDim,) + tuple(_DIM.values()):
    _cls._backward_cls.materialize_grads = False


def _minmax(input, dim, keepdim, is_max, other=None):
    if isinstance(dim, Tensor):
        from .arithmetic import maximum, minimum
        return maximum(input, dim) if is_max else minimum(input, dim)
    if dim is None:
        _check_nonempty("max" if is_max else "min", input, (), True)
        return _FULL[is_max].apply(input, tuple(range(input._data.ndim)), False, is_max)
    from ..return_types import minmax_result
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # one element: itself at index 0, both 0-d
        input, keepdim = reshape(input, (1,)), False
    vals, idx = _DIM[is_max].apply(input, d, keepdim, is_max)
    return minmax_result("max" if is_max else "min", vals, idx)


def max(input, dim=None, keepdim=False):
    """The largest element, or ``(values, indices)`` along ``dim``; ``max(a, b)`` elementwise.

    Example::

        >>> gg.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
        gpugrad.return_types.max(
        values=tensor([5., 7.]),
        indices=tensor([1, 0]))
    """
    return _minmax(input, dim, keepdim, True)


def min(input, dim=None, keepdim=False):
    """The smallest element, or ``(values, indices)`` along ``dim``."""
    return _minmax(input, dim, keepdim, False)


def amax(input, dim=(), keepdim=False):
    """The largest values over ``dim`` (all dims by default); ties share the gradient."""
    every = dim is None or dim == () or dim == []
    axes = normalize_dims(None if every else dim, input._data.ndim)
    _check_nonempty("amax", input, axes, every)
    return _AMAX[True].apply(input, axes, keepdim, True)


def amin(input, dim=(), keepdim=False):
    every = dim is None or dim == () or dim == []
    axes = normalize_dims(None if every else dim, input._data.ndim)
    _check_nonempty("amin", input, axes, every)
    return _AMAX[False].apply(input, axes, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    if input._data.size == 0 and (dim is None or input._data.shape[_wrap_dim(
            dim, input._data.ndim)] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    return amin(input, dim if dim is not None else (), keepdim), \
        amax(input, dim if dim is not None else (), keepdim)


def _arg(input, dim, keepdim, fn):
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{fn}(): does not support bool input")
    xp = get_array_module(x)
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{fn}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0.")
        r = getattr(xp, fn)(x.reshape(-1))
        if x.dtype.kind == "f" and xp.isnan(x).any():
            r = xp.argmax(xp.isnan(x.reshape(-1)))
        r = xp.asarray(r, dtype=np.int64)
        return _make(r.reshape((1,) * x.ndim) if keepdim else r)
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:  # index 0 of the one element, 0-d
        return _arg(reshape(input, (1,)), 0, False, fn)
    _check_nonempty(fn, input, (d,), False)
    return _ExtremeDim.apply(input.detach(), d, keepdim, fn == "argmax")[1]


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmin")


def all(input, dim=None, keepdim=False):
    """True where every element (over ``dim``) is non-zero."""
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    return _make(_uint8_stays(input._data, input._data.astype(bool).all(axis=axes,
                                                                         keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    """True where some element (over ``dim``) is non-zero."""
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    return _make(_uint8_stays(input._data, input._data.astype(bool).any(axis=axes,
                                                                         keepdims=keepdim)))


def _uint8_stays(x, result):
    # PyTorch's all/any keep uint8 inputs uint8 (kept for backward compatibility there).
    return result.astype(np.uint8) if x.dtype == np.uint8 else result


def count_nonzero(input, dim=None):
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    xp = input._array_module
    return _make(xp.asarray(xp.count_nonzero(input._data, axis=axes), dtype=np.int64))


def _nan_wins(x, idx, d):
    """``idx`` (one index along ``d``, kept as a dim), or the first NaN's index where ``x``
    has a NaN along ``d``: PyTorch's median of anything with a NaN is NaN."""
    if x.dtype.kind != "f":
        return idx
    xp = get_array_module(x)
    nan = xp.isnan(x)
    has = nan.any(axis=d, keepdims=True)
    return xp.where(has, xp.argmax(nan, axis=d, keepdims=True), idx).astype(np.int64)


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's definition), or ``(values, indices)`` along ``dim``."""
    from ..return_types import minmax_result
    from .indexing import gather
    x = input._data
    xp = input._array_module
    # (An empty dim is reported before the dtype, as PyTorch does.)
    if x.dtype.kind == "b" and (dim is None or x.ndim == 0 or x.shape[_wrap_dim(dim, x.ndim)]):
        raise not_implemented_for("median_cpu" if dim is None else "median_out", x)
    if dim is None:
        flat = reshape(input, (-1,))
        if flat._data.size == 0:  # PyTorch's median of nothing is nan
            return reshape(sum(flat) * float("nan"), ())
        k = (flat._data.size - 1) // 2
        order = xp.argsort(flat._data, kind="stable")
        idx = _nan_wins(flat._data, order[k:k + 1].astype(np.int64), 0)
        return reshape(gather(flat, 0, _make(idx)), ())
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:  # the median of one element, with index 0 (0-d, as PyTorch's)
        vals, idx = median(reshape(input, (1,)), 0)
        return minmax_result("median", vals, idx)
    _check_nonempty("median", input, (d,), False)
    k = (x.shape[d] - 1) // 2
    order = xp.argsort(x, axis=d, kind="stable")
    idx = _nan_wins(x, xp.take(order, [k], axis=d).astype(np.int64), d)
    vals = gather(input, d, _make(idx))
    if not keepdim:
        from .shape import squeeze
        vals, idx = squeeze(vals, d), idx.squeeze(d)
    return minmax_result("median", vals, _make(idx))


def nansum(input, dim=None, keepdim=False):
    from .arithmetic import where
    if input._data.dtype.kind != "f":  # no NaN to skip; int64 as sum's
        return sum(input, dim, keepdim)
    return sum(where(input.isnan(), 0.0, input), dim, keepdim)


def nanmean(input, dim=None, keepdim=False):
    if input._data.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dt.torch_name(input._data.dtype)}")
    keep = (~input.isnan()).to(input.dtype)
    return nansum(input, dim, keepdim) / sum(keep, dim, keepdim)


def sum_to_size(input, *size):
    """Sum ``input`` down to ``size``, a shape it broadcasts from (the reverse of expand)."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    shape = input._data.shape
    lead = len(shape) - len(size)
    # (``any`` here is this module's reduction, not the builtin.)
    if lead < 0 or [1 for s, n in zip(size, shape[lead:]) if s != 1 and s != n]:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    ones = tuple(lead + k for k, s in enumerate(size) if s == 1 and shape[lead + k] != 1)
    out = sum(input, ones, keepdim=True) if ones else input
    return sum(out, tuple(range(lead))) if lead else out


register_methods(
    sum=sum, sum_to_size=sum_to_size, mean=mean, prod=prod, max=max, min=min, amax=amax,
    amin=amin, aminmax=aminmax,
    argmax=argmax, argmin=argmin, cumsum=cumsum, cumprod=cumprod, all=all, any=any,
    count_nonzero=count_nonzero, median=median, nansum=nansum, nanmean=nanmean,
)
