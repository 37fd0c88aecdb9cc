"""Statistics built on reductions: var, std (and their ``_mean`` pairs), logsumexp, norm.

Each is one op with its own backward (PyTorch's VarBackward0, StdBackward0,
LogsumexpBackward0, LinalgVectorNormBackward0), written with gpugrad ops so that it can be
differentiated again.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ._util import normalize_dims, register_methods
from .reduce import _expand_back, amax, amin, mean, sum

__all__ = ["var", "std", "var_mean", "std_mean", "logsumexp", "norm", "cummax", "cummin",
           "quantile"]


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _variance(x, axes, correction, keepdim):
    """Sum of squared deviations over (n - correction); PyTorch clamps that at 0."""
    n = _count(x.shape, axes)
    with np.errstate(all="ignore"):  # n <= correction: inf or nan, silently as PyTorch
        # (NumPy's mean of nothing warns "Mean of empty slice"; 0 / 0 is the same nan)
        mu = x.mean(axis=axes, keepdims=True) if n else x.sum(axis=axes, keepdims=True) / n
        dev = x - mu
        ss = (dev * dev).sum(axis=axes, keepdims=keepdim)
        return ss / max(n - correction, 0)


def _var_grad(g, x, axes, correction, keepdim):
    """d var / d x: 2 (x - mean) / (n - correction), times the incoming gradient."""
    denom = max(_count(x.shape, axes) - correction, 0)
    with np.errstate(all="ignore"):
        scale = 2.0 / denom if denom else float("inf")
    centered = x - mean(x, axes, keepdim=True)
    return _expand_back(g, x.shape, axes, keepdim) * centered * scale


class Var(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self',)   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.args = (axes, correction, keepdim)
        ctx.save_for_backward(x)
        return _variance(x, axes, correction, keepdim)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _var_grad(g, x, *ctx.args), None, None, None


class Std(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        ctx.args = (axes, correction, keepdim)
        y = get_array_module(x).sqrt(_variance(x, axes, correction, keepdim))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        from .arithmetic import where
        zero = y == 0
        # d std = d var / (2 std), and 0 where std is 0 (PyTorch's masked_fill); the safe
        # denominator keeps a second derivative free of nan.
        g_var = where(zero, 0.0, g / where(zero, 1.0, y * 2))
        return _var_grad(g_var, x, *ctx.args), None, None, None


def _var_args(name, input, dim, unbiased, correction):
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):           # var(x, False): the old ``unbiased`` position
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return normalize_dims(dim, input._data.ndim), correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``).

    Example::

        >>> gg.tensor([1.0, 2.0, 3.0]).var()
        tensor(1.)
    """
    axes, correction = _var_args("var", input, dim, unbiased, correction)
    return Var.apply(input, axes, correction, keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation (the square root of :func:`var`)."""
    axes, correction = _var_args("std", input, dim, unbiased, correction)
    return Std.apply(input, axes, correction, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, None if isinstance(dim, bool) else dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, None if isinstance(dim, bool) else dim, keepdim))


class Logsumexp(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        m = x.max(axis=axes, keepdims=True) if x.size else xp.zeros(
            tuple(1 if i in axes else s for i, s in enumerate(x.shape)), x.dtype)
        # Shift by the max for stability; an infinite max shifts by 0 (PyTorch's rule).
        m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype, copy=False)
        with np.errstate(all="ignore"):
            y = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes))
        ctx.args = (axes, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.args
        # softmax(x) * g, from the saved output so that it differentiates again.
        y_full = _expand_back(y, x.shape, axes, keepdim)
        return _expand_back(g, x.shape, axes, keepdim) * (x - y_full).exp(), None, None


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input)))`` over ``dim``, stable for large magnitudes."""
    if input._data.dtype.kind != "f":
        input = input.to(_dt.get_default_dtype())
    return Logsumexp.apply(input, normalize_dims(dim, input._data.ndim), keepdim)


class L2Norm(Function):
    """sqrt(sum(x*x)); gradient x / norm, and 0 where the norm is 0 (PyTorch's convention)."""
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'result')   # grad_fn._saved_<name>, as PyTorch's
    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        xp = get_array_module(x)
        y = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        # y is the output itself, so backward sees it with its history (double backward).
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdim, ctx.in_shape = axes, keepdim, x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        from .arithmetic import where
        zero = y == 0
        # Divide by a safe denominator so that masked entries give 0, not nan, when
        # differentiated again.
        scale = where(zero, 0.0, g / where(zero, 1.0, y))
        return x * _expand_back(scale, ctx.in_shape, ctx.axes, ctx.keepdim), None, None


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm (2 by default) over all elements or ``dim``.

    Example::

        >>> gg.tensor([3.0, 4.0]).norm()
        tensor(5.)
    """
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dt.torch_name(input._data.dtype)}")
    x = input
    if p in ("fro", 2, 2.0):
        return L2Norm.apply(x, normalize_dims(dim, x._data.ndim), keepdim)
    if p in (float("inf"), "inf"):
        return amax(x.abs(), dim if dim is not None else (), keepdim)
    if p in (float("-inf"), "-inf"):
        return amin(x.abs(), dim if dim is not None else (), keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim)
    if p == 1:
        return sum(x.abs(), dim, keepdim)
    return sum(x.abs() ** p, dim, keepdim) ** (1.0 / p)


def _scan(xp, ufunc, a, axis):
    """``ufunc.accumulate(a, axis)`` for an associative ufunc, on NumPy or CuPy arrays."""
    if xp is np:
        return getattr(np, ufunc).accumulate(a, axis=axis)
    # CuPy accumulates only add and multiply: a log-step (Hillis-Steele) scan instead.
    fn = getattr(xp, ufunc)
    out = a.copy()
    n, step = a.shape[axis], 1
    head = [slice(None)] * a.ndim
    tail = [slice(None)] * a.ndim
    while step < n:
        head[axis], tail[axis] = slice(step, None), slice(None, n - step)
        out[tuple(head)] = fn(out[tuple(head)], out[tuple(tail)])
        step *= 2
    return out


def _running_extreme(name, ufunc, input, dim):
    """(values, indices) of the running max or min along ``dim``; the index is the latest
    position holding the running value, as PyTorch's. Values are a gather of the input, so
    their gradient flows to those positions."""
    from ..return_types import minmax_result
    from ..tensor import _make, _wrap_dim
    from .indexing import gather
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return minmax_result(name, input.clone(), _make(get_array_module(x).zeros((), np.int64)))
    xp = get_array_module(x)
    with np.errstate(invalid="ignore"):
        run = _scan(xp, ufunc, x, d)
    pos = xp.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - d - 1))
    # Where an element equals the running value (or is a NaN, which the running value then
    # is too), it is the newest holder; carrying the largest such position forward gives the
    # index.
    hit = (x == run) | (xp.isnan(x) if x.dtype.kind == "f" else False)
    idx = _scan(xp, "maximum", xp.where(hit, pos, 0), d)
    indices = _make(idx.astype(np.int64))
    return minmax_result(name, gather(input, d, indices), indices)


def cummax(input, dim):
    """Running maximum along ``dim`` and where it was found: ``(values, indices)``.

    Example::

        >>> gg.cummax(gg.tensor([1.0, 3.0, 2.0]), 0).indices
        tensor([0, 1, 1])
    """
    return _running_extreme("cummax", "maximum", input, dim)


def cummin(input, dim):
    """Running minimum along ``dim`` and where it was found: ``(values, indices)``."""
    return _running_extreme("cummin", "minimum", input, dim)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_ranks(q, input, interpolation):
    """``q`` as a 1-D float64 host array (and whether it was a scalar), after PyTorch's
    checks of the input, q and the interpolation."""
    from ..tensor import Tensor
    if input._data.dtype.kind != "f" or input._data.dtype.itemsize < 4:
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.dtype != input._data.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q._data.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        scalar, qs = q._data.ndim == 0, np.asarray(q.tolist(), dtype=np.float64).reshape(-1)
        if ((qs < 0) | (qs > 1)).any():
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        scalar, qs = True, np.array([q], dtype=np.float64)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input._data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    return qs, scalar


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles along ``dim`` (of all elements when None), interpolating
    between the two nearest sorted values as ``interpolation`` says; NaN where the values
    hold a NaN. A 1-D ``q`` adds a leading dim with one entry per quantile.

    Example::

        >>> gg.tensor([0.0, 1.0, 2.0, 3.0]).quantile(0.5)
        tensor(1.5000)
    """
    from ..tensor import _make, _wrap_dim
    from .arithmetic import where
    from .indexing import index_select, sort
    qs, scalar = _quantile_ranks(q, input, interpolation)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap_dim(dim, x._data.ndim)
    if x._data.ndim == 0:
        x = x.reshape(1)
    ordered = sort(x, d).values
    n = x._data.shape[d]
    ranks = qs * (n - 1)
    if interpolation == "nearest":
        ranks = np.round(ranks)         # half to even, as PyTorch's
    lo, hi = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    xp = get_array_module(x._data)
    v_lo = index_select(ordered, d, _make(xp.asarray(lo)))
    v_hi = index_select(ordered, d, _make(xp.asarray(hi)))
    shape = [1] * x._data.ndim
    shape[d] = len(qs)
    frac = _make(xp.asarray((ranks - lo).reshape(shape), dtype=x._data.dtype))
    out = {"lower": lambda: v_lo, "higher": lambda: v_hi,
           "midpoint": lambda: (v_lo + v_hi) * 0.5,
           "nearest": lambda: v_lo,
           "linear": lambda: v_lo + (v_hi - v_lo) * frac}[interpolation]()
    has_nan = _make(xp.isnan(x._data).any(axis=d, keepdims=True))
    out = where(has_nan, float("nan"), out).movedim(d, 0)
    if keepdim:
        out = out.reshape((len(qs),) + (1,) * input._data.ndim) if dim is None \
            else out.unsqueeze(d + 1)
    return out[0] if scalar else out


register_methods(var=var, std=std, logsumexp=logsumexp, norm=norm, cummax=cummax,
                 cummin=cummin, quantile=quantile)
