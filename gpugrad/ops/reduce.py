"""Reductions: sum, mean, prod, var, std, max/min, amax/amin, argmax/argmin, logsumexp, norm,
cumsum, all/any.

``dim`` takes None, an int or a sequence; ``keepdim`` keeps reduced dims as size 1. Backward
broadcasts the incoming gradient back over the reduced dims.
"""
import builtins

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make, _wrap_dim
from ._util import normalize_dims, register_methods, to_float
from .shape import broadcast_to, reshape

__all__ = ["sum", "mean", "prod", "var", "std", "var_mean", "std_mean", "max", "min", "amax",
           "amin", "argmax", "argmin", "logsumexp", "norm", "cumsum", "cumprod", "all", "any",
           "count_nonzero", "aminmax", "median", "nansum", "nanmean"]


builtins_max = builtins.max


def _keep_shape(shape, axes):
    """``shape`` with ``axes`` set to 1 (the keepdim shape of a reduction)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to ``in_shape``."""
    if not keepdim:
        g = reshape(g, _keep_shape(in_shape, axes))
    return broadcast_to(g, in_shape)


class Sum(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, dtype):
        ctx.in_shape = x.shape
        ctx.axes, ctx.keepdim = axes, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        return x.sum(axis=axes, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over all elements or over ``dim``.

    Example::

        >>> gg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
    """
    axes = normalize_dims(dim, input._data.ndim) if not (isinstance(dim, (list, tuple))
                                                         and len(dim) == 0) else \
        tuple(range(input._data.ndim))
    return Sum.apply(input, axes, keepdim, _dt.to_numpy_dtype(dtype))


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
        return x.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n if ctx.n else g * float("nan"), ctx.in_shape, ctx.axes,
                            ctx.keepdim), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over all elements or over ``dim`` (floating tensors only, as in PyTorch)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype.name.capitalize()}")
    axes = normalize_dims(dim, input._data.ndim)
    return Mean.apply(input, axes, keepdim)


class Prod(Function):
    _array_forward = True
    _builtin = True

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
    return Prod.apply(input, axes, keepdim)


class Cumsum(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, d):
        ctx.d = d
        return x.cumsum(axis=d, dtype=np.int64 if x.dtype.kind in "biu" else None)

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

    @staticmethod
    def forward(ctx, x, d):
        ctx.d = d
        y = x.cumprod(axis=d)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        from .shape import flip
        d = ctx.d
        # d y_j / d x_i = y_j / x_i for j >= i; valid where x has no zeros.
        s = flip(cumsum(flip(g * y, d), d), d)
        return s / x, None


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return Cumprod.apply(input, _wrap_dim(dim, input._data.ndim))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if isinstance(dim, bool):
        correction, dim = int(dim), None
    axes = normalize_dims(dim, input._data.ndim)
    n = 1
    for a in axes:
        n *= input._data.shape[a]
    mu = mean(input, axes, keepdim=True)
    dev = input - mu
    ss = sum(dev * dev, axes, keepdim=keepdim)
    # PyTorch clamps a negative denominator to 0 (giving inf or nan, as here).
    with np.errstate(divide="ignore", invalid="ignore"):
        return ss / float(builtins_max(n - correction, 0))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation (the square root of :func:`var`)."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class _Extreme(Function):
    """max/min/amax/amin over axes; ties share the gradient evenly (PyTorch's amax rule)."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, axes, keepdim, is_max):
        if x.size == 0 and any(x.shape[a] == 0 for a in axes) or x.size == 0 and not axes:
            name = "max" if is_max else "min"
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                             f"== 0. Specify the reduction dim with the 'dim' argument.")
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
        ctx.save_for_backward(idx_k)
        if not keepdim:
            vals = vals.squeeze(d)
            idx_k = idx
        idx_out = idx_k.astype(np.int64)
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
        return scatter_into_zeros(g, idx_k, ctx.d, ctx.in_shape), None, None, None


_ExtremeDim._backward_cls.materialize_grads = False


def _minmax(input, dim, keepdim, is_max, other=None):
    if isinstance(dim, Tensor):
        from .arithmetic import maximum, minimum
        return maximum(input, dim) if is_max else minimum(input, dim)
    if dim is None:
        return _Extreme.apply(input, tuple(range(input._data.ndim)), False, is_max)
    from ..return_types import minmax_result
    vals, idx = _ExtremeDim.apply(input, _wrap_dim(dim, input._data.ndim), keepdim, is_max)
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
    axes = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _Extreme.apply(input, axes, keepdim, True)


def amin(input, dim=(), keepdim=False):
    axes = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _Extreme.apply(input, axes, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    return amin(input, dim if dim is not None else (), keepdim), \
        amax(input, dim if dim is not None else (), keepdim)


def _arg(input, dim, keepdim, fn):
    x = input._data
    xp = get_array_module(x)
    if dim is None:
        if x.size == 0:
            raise RuntimeError(f"{fn}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0.")
        r = getattr(xp, fn)(x.reshape(-1))
        if x.dtype.kind == "f" and xp.isnan(x).any():
            r = xp.argmax(xp.isnan(x.reshape(-1)))
        r = xp.asarray(r, dtype=np.int64)
        return _make(r.reshape((1,) * x.ndim) if keepdim else r)
    d = _wrap_dim(dim, x.ndim)
    return _ExtremeDim.apply(input.detach(), d, keepdim, fn == "argmax")[1]


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmin")


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input)))`` over ``dim``, stable for large magnitudes."""
    axes = normalize_dims(dim, input._data.ndim)
    m = amax(input, axes, keepdim=True).detach()
    xp = input._array_module
    m = _make(xp.where(xp.isfinite(m._data), m._data, 0).astype(m._data.dtype))
    out = sum((input - m).exp(), axes, keepdim=True).log() + m
    if not keepdim:
        out = reshape(out, tuple(s for i, s in enumerate(out.shape) if i not in axes))
    return out


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm (2 by default) over all elements or ``dim``; ``'fro'`` and ``'nuc'``."""
    if dtype is not None:
        input = input.to(dtype)
    x = input
    if p in ("fro", 2, 2.0):
        return _l2(x, dim, keepdim)
    if p in (float("inf"), "inf"):
        return amax(x.abs(), dim if dim is not None else (), keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(x.abs(), dim if dim is not None else (), keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim)
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    return sum(x.abs() ** p, dim, keepdim) ** (1.0 / p)


class _L2Norm(Function):
    """sqrt(sum(x*x)); gradient x / norm, and 0 where the norm is 0 (PyTorch's convention)."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        y = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, x.shape
        return y if keepdim else y.reshape(tuple(s for i, s in enumerate(x.shape)
                                                 if i not in axes))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        from .arithmetic import where
        safe = where(y == 0, 1.0, y)
        scale = where(y == 0, 0.0, 1.0 / safe)
        return _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim) * x * scale, None, None


def _l2(x, dim, keepdim):
    x = x if x._data.dtype.kind == "f" else x.to(_dt.get_default_dtype())
    return _L2Norm.apply(x, normalize_dims(dim, x._data.ndim), keepdim)


def all(input, dim=None, keepdim=False):
    """True where every element (over ``dim``) is non-zero."""
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    return _make(input._data.astype(bool).all(axis=axes, keepdims=keepdim))


def any(input, dim=None, keepdim=False):
    """True where some element (over ``dim``) is non-zero."""
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    return _make(input._data.astype(bool).any(axis=axes, keepdims=keepdim))


def count_nonzero(input, dim=None):
    axes = None if dim is None else normalize_dims(dim, input._data.ndim)
    xp = input._array_module
    return _make(xp.asarray(xp.count_nonzero(input._data, axis=axes), dtype=np.int64))


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's definition), or ``(values, indices)`` along ``dim``."""
    from ..return_types import minmax_result
    from .indexing import gather
    x = input._data
    xp = input._array_module
    if dim is None:
        flat = reshape(input, (-1,))
        k = (flat._data.size - 1) // 2
        order = xp.argsort(flat._data, kind="stable")
        idx = _make(order[k:k + 1].astype(np.int64))
        return reshape(gather(flat, 0, idx), ())
    d = _wrap_dim(dim, x.ndim)
    k = (x.shape[d] - 1) // 2
    order = xp.argsort(x, axis=d, kind="stable")
    idx = xp.take(order, [k], axis=d).astype(np.int64)
    vals = gather(input, d, _make(idx))
    if not keepdim:
        from .shape import squeeze
        vals, idx = squeeze(vals, d), idx.squeeze(d)
    return minmax_result("median", vals, _make(idx))


def nansum(input, dim=None, keepdim=False):
    from .arithmetic import where
    return sum(where(input.isnan(), 0.0, input), dim, keepdim)


def nanmean(input, dim=None, keepdim=False):
    from .arithmetic import where
    keep = (~input.isnan()).to(input.dtype)
    return nansum(input, dim, keepdim) / sum(keep, dim, keepdim)


register_methods(
    sum=sum, mean=mean, prod=prod, var=var, std=std, max=max, min=min, amax=amax, amin=amin,
    aminmax=aminmax, argmax=argmax, argmin=argmin, logsumexp=logsumexp, norm=norm,
    cumsum=cumsum, cumprod=cumprod, all=all, any=any, count_nonzero=count_nonzero,
    median=median, nansum=nansum, nanmean=nanmean,
)
