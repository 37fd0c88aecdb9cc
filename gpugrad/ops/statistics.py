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

__all__ = ["var", "std", "var_mean", "std_mean", "logsumexp", "norm"]


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


register_methods(var=var, std=std, logsumexp=logsumexp, norm=norm)
