"""The regularized lower incomplete gamma function and the reparameterised gamma draw.

``gammainc(a, x) = P(a, x)``, as ``torch.special.gammainc``: differentiable in ``x`` (the
gamma density), not in ``a`` (PyTorch raises there too). On cuda the values come from
``cupyx.scipy.special.gammainc``; on cpu from a series (x < a + 1) or a continued fraction
(otherwise), both in float64.

``standard_gamma(alpha)`` draws Gamma(alpha, 1) from gpugrad's generator and has the implicit
reparameterisation gradient dx/dalpha = -(dP/dalpha)(alpha, x) / p(x; alpha) (the draw held
at a fixed quantile), the gradient ``torch._standard_gamma`` gives. dP/dalpha is a central
difference of P in float64.

Example::

    >>> from gpugrad.distributions._gamma_math import gammainc
    >>> gammainc(gg.tensor([1.0]), gg.tensor([1.0]))
    tensor([0.6321])
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..ops import _special_math as _sm
from ..tensor import Tensor, _make

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 5000


def _pq_cpu(a, x):
    """(P(a, x), Q(a, x) = 1 - P) for float64 NumPy arrays of one shape (Numerical Recipes'
    gser / gcf); each is computed directly where it is the small one, so neither loses its
    digits to a subtraction from 1."""
    out = np.full(a.shape, np.nan)
    ok = (a >= 0) & (x >= 0) & ~np.isnan(x)
    out[ok & (x == 0) & (a > 0)] = 0.0
    out[ok & ((a == 0) & (x > 0) | np.isposinf(x) & (a > 0))] = 1.0
    comp = 1 - out
    work = ok & (a > 0) & (x > 0) & np.isfinite(x)
    # log of x^a e^-x / Gamma(a): the prefactor both expansions share.
    with np.errstate(all="ignore"):
        log_pre = np.where(work, a * np.log(np.where(work, x, 1)) - x
                           - _sm.lgamma(np.where(work, a, 1)), 0)
    series = work & (x < a + 1)
    if series.any():
        aa, xx = a[series], x[series]
        ap, term = aa.copy(), 1.0 / aa
        total = term.copy()
        for _ in range(_MAX_ITER):
            ap += 1
            term = term * xx / ap
            total += term
            if np.all(np.abs(term) < np.abs(total) * _EPS):
                break
        out[series] = total * np.exp(log_pre[series])
        comp[series] = 1 - out[series]
    frac = work & ~series
    if frac.any():
        aa, xx = a[frac], x[frac]
        b = xx + 1 - aa
        c = np.full(b.shape, 1 / _TINY)
        d = 1 / b
        h = d.copy()
        for i in range(1, _MAX_ITER):
            an = -i * (i - aa)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < _TINY, _TINY, d)
            c = b + an / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            d = 1 / d
            delta = d * c
            h = h * delta
            if np.all(np.abs(delta - 1) < _EPS):
                break
        comp[frac] = np.exp(log_pre[frac]) * h
        out[frac] = 1 - comp[frac]
    return out, comp


def gammainc_array(a, x):
    """P(a, x) on arrays (NumPy or CuPy), broadcast, in the promoted floating dtype."""
    xp = get_array_module(a, x)
    dtype = np.result_type(a.dtype, x.dtype)
    a64, x64 = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    if xp is not np:
        return _sm._cupy_special().gammainc(a64, x64).astype(dtype)
    return _pq_cpu(np.ascontiguousarray(a64), np.ascontiguousarray(x64))[0].astype(dtype)


def _dp_da(a, x):
    """dP/da at float64 arrays: Richardson-extrapolated central differences (error O(h^4)),
    of Q where x >= a + 1 (there P is close to 1 and Q carries the digits)."""
    xp = get_array_module(a, x)

    def diff(h):
        if xp is not np:
            sp = _sm._cupy_special()
            up, dn = sp.gammainc(a + h, x), sp.gammainc(a - h, x)
            cup, cdn = sp.gammaincc(a + h, x), sp.gammaincc(a - h, x)
        else:
            (up, cup), (dn, cdn) = _pq_cpu(a + h, x), _pq_cpu(a - h, x)
        return xp.where(x < a + 1, up - dn, cdn - cup) / (2 * h)

    h = 1e-3 * xp.minimum(a, 1)
    return (4 * diff(h / 2) - diff(h)) / 3


class GammaInc(Function):
    _array_forward = True
    _node_name = "IgammaBackward0"

    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        return gammainc_array(a, x)

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        from ..ops.special import lgamma
        from ..ops.pointwise import xlogy
        # d/dx P(a, x) is the Gamma(a, 1) density.
        return None, g * (xlogy(a - 1, x) - x - lgamma(a)).exp()


def gammainc(a, x):
    """The regularized lower incomplete gamma function, as ``torch.special.gammainc``.

    Example::

        >>> gammainc(gg.tensor([2.0]), gg.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2642])
    """
    return GammaInc.apply(a, x)


def standard_gamma_grad_array(x, alpha):
    """dx/dalpha of a Gamma(alpha, 1) draw x at a fixed quantile (float64 inside)."""
    xp = get_array_module(x, alpha)
    dtype = x.dtype
    x64, a64 = xp.broadcast_arrays(x.astype(np.float64), alpha.astype(np.float64))
    dp = _dp_da(xp.ascontiguousarray(a64), xp.ascontiguousarray(x64))
    with np.errstate(all="ignore") if xp is np else _nullcontext():
        log_pdf = (a64 - 1) * xp.log(x64) - x64 - _sm.lgamma(a64)
        grad = -dp / xp.exp(log_pdf)
    return xp.where(xp.isfinite(grad), grad, 0).astype(dtype)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class StandardGamma(Function):
    _array_forward = True
    _node_name = "StandardGammaBackward0"

    @staticmethod
    def forward(ctx, alpha):
        from .utils import _draw
        x = _draw("standard_gamma", [_make(alpha)], None, array=True)
        # Positive even where float32 underflows, so that logs and ratios of draws stay finite.
        xp = get_array_module(x)
        x = xp.maximum(x, xp.finfo(x.dtype).tiny)
        ctx.save_for_backward(x, alpha)
        return x

    @staticmethod
    def backward(ctx, g):
        x, alpha = ctx.saved_tensors
        # The slope is a constant of the draw (PyTorch does not differentiate it again).
        return g * _make(standard_gamma_grad_array(x.detach()._data, alpha.detach()._data))


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws with the implicit reparameterisation gradient, as
    ``torch._standard_gamma``.

    Example::

        >>> standard_gamma(gg.tensor([2.0])).shape
        gpugrad.Size([1])
    """
    if not isinstance(alpha, Tensor):
        raise TypeError("standard_gamma expects a Tensor")
    return StandardGamma.apply(alpha)
