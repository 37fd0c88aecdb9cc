"""Array-level special functions for ``ops/special.py``, on NumPy or CuPy arrays.

NumPy has no gamma-family or Bessel functions, and scipy is not a dependency, so the CPU
versions are written here from primitives that NumPy and CuPy share (series, recurrences,
reflection formulas). On cuda arrays the same names call ``cupyx.scipy.special`` (imported
lazily, so that CPU-only installs never touch it).

Half and single precision inputs are computed in float64 and rounded back: one rounding at
the end keeps them within an ulp of PyTorch's single-precision kernels.
"""
import math

import numpy as np

from ..backend import get_array_module
from ..backend import kernel_refs as _kernel_refs

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_PI = math.sqrt(math.pi)

# Bernoulli numbers B_2, B_4, ..., B_30 (the asymptotic series below use them).
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6,
              -23749461029 / 870, 8615841276005 / 14322]


def _cupy_special():
    import cupyx.scipy.special
    return cupyx.scipy.special


def _on_cuda(x):
    return get_array_module(x) is not np


def _f64(fn):
    """Run ``fn(x)`` (a float64 NumPy computation) and round the result to x's dtype."""
    def wrapped(x, *args):
        # Flat: boolean-mask assignment then also works for 0-d inputs.
        with np.errstate(all="ignore"):
            y = fn(x.astype(np.float64).reshape(-1), *args)
        return y.reshape(x.shape).astype(x.dtype, copy=False)
    wrapped.__name__ = fn.__name__
    return wrapped


def _sin_pi_abs(x):
    """|sin(pi * x)|, exact at integers (0) for any x: sin(pi x) is periodic, so only the
    distance to the nearest integer (computed exactly) enters the sine."""
    r = x - np.round(x)
    return np.abs(np.sin(np.pi * r))


def _tan_pi(x):
    """tan(pi * x) from the (exact) distance to the nearest integer: period 1."""
    return np.tan(np.pi * (x - np.round(x)))


def _shift_up(x, target, term):
    """Sum ``term(x + k)`` over k = 0, 1, ... while ``x + k < target``; return (sum, x + k)."""
    acc = np.zeros_like(x)
    z = x.copy()
    steps = int(np.ceil(target - np.nanmin(x))) if x.size and np.isfinite(np.nanmin(x)) else 0
    for _ in range(max(steps, 0)):
        low = z < target
        if not low.any():
            break
        acc = np.where(low, acc + term(np.where(low, z, 1.0)), acc)
        z = np.where(low, z + 1, z)
    return acc, z


def _lgamma_pos(x):
    """log Gamma(x) for x >= 0.5: shift up to z >= 10, then Stirling's series (its first
    omitted term is below 1e-17 there)."""
    logprod, z = _shift_up(x, 10.0, np.log)
    inv = 1 / z
    inv2 = inv * inv
    series = 0.0
    for k in range(7, 0, -1):
        b = _BERNOULLI[k - 1]
        series = series * inv2 + b / (2 * k * (2 * k - 1))
    return (z - 0.5) * np.log(z) - z + _LOG_SQRT_2PI + series * inv - logprod


@_f64
def _lgamma_np(x):
    out = np.full_like(x, np.inf)
    fin = np.isfinite(x)
    big = x >= 0.5
    pos = fin & big
    out[pos] = _lgamma_pos(x[pos])
    neg = fin & ~big
    if neg.any():
        xn = x[neg]
        # Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x); poles (sin = 0) give inf.
        out[neg] = np.log(np.pi / _sin_pi_abs(xn)) - _lgamma_pos(1 - xn)
    out[np.isnan(x)] = np.nan
    return out


def lgamma(x):
    if _on_cuda(x):
        return _cupy_special().gammaln(x)
    return _lgamma_np(x)


def _digamma_pos(x):
    """psi(x) for x >= 0.5: recurrence psi(x) = psi(x + 1) - 1/x up to z >= 10, then the
    asymptotic series log z - 1/(2z) - sum B_2k / (2k z^2k)."""
    recip, z = _shift_up(x, 10.0, lambda t: 1 / t)
    inv2 = 1 / (z * z)
    series = 0.0
    for k in range(8, 0, -1):
        series = series * inv2 + _BERNOULLI[k - 1] / (2 * k)
    return np.log(z) - 0.5 / z - series * inv2 - recip


@_f64
def _digamma_np(x):
    out = np.empty_like(x)
    big = x >= 0.5
    out[big] = _digamma_pos(x[big])
    neg = ~big & ~np.isnan(x)
    if neg.any():
        xn = x[neg]
        with np.errstate(all="ignore"):
            # Reflection: psi(1 - x) - psi(x) = pi / tan(pi x).
            val = _digamma_pos(1 - xn) - np.pi / _tan_pi(xn)
        # Poles at the negative integers are NaN (as PyTorch); at zero, -inf on the side of
        # the sign of zero (PyTorch returns copysign(inf, -x)).
        val = np.where(xn == np.round(xn), np.nan, val)
        val = np.where(xn == 0, np.copysign(np.inf, -xn), val)
        out[neg] = val
    out[np.isnan(x)] = np.nan
    out[x == np.inf] = np.inf
    return out


def digamma(x):
    if _on_cuda(x):
        xp = get_array_module(x)
        # cupyx's digamma is NaN at 0; PyTorch's is -inf (copysign(inf, -x)).
        y = _cupy_special().digamma(x)
        return xp.where(x == 0, xp.copysign(xp.asarray(np.inf, x.dtype), -x), y)
    return _digamma_np(x)


def _cot_derivative_poly(n):
    """Coefficients (lowest first) of P_n with d^n/dt^n cot(t) = P_n(cot t)."""
    p = [0.0, 1.0]
    for _ in range(n):
        # d/dt P(c) = P'(c) * (-(1 + c^2))
        d = [k * p[k] for k in range(1, len(p))] or [0.0]
        q = [0.0] * (len(d) + 2)
        for k, a in enumerate(d):
            q[k] -= a
            q[k + 2] -= a
        p = q
    return p


def _polygamma_pos(n, x):
    """psi^(n)(x), n >= 1, x >= 0.5: the series (-1)^(n+1) n! sum 1/(x+k)^(n+1) summed
    directly up to z >= 20 + n, then its Euler-Maclaurin tail in powers of 1/z."""
    target = 20.0 + n
    head, z = _shift_up(x, target, lambda t: t ** -(n + 1.0))
    fact_n = math.factorial(n)
    inv = 1 / z
    tail = math.factorial(n - 1) * inv ** n + 0.5 * fact_n * inv ** (n + 1)
    inv2 = inv * inv
    term = inv ** (n + 2)
    for k in range(1, len(_BERNOULLI) + 1):
        coef = _BERNOULLI[k - 1] * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        tail = tail + coef * term
        term = term * inv2
    sign = 1.0 if n % 2 else -1.0
    return sign * (fact_n * head + tail)


@_f64
def _polygamma_np(x, n):
    out = np.empty_like(x)
    big = x >= 0.5
    out[big] = _polygamma_pos(n, x[big])
    neg = ~big & np.isfinite(x)
    if neg.any():
        xn = x[neg]
        # Reflection, differentiated n times: psi^(n)(x) = (-1)^n psi^(n)(1 - x)
        # - pi^(n+1) P_n(cot(pi x)).
        c = 1 / _tan_pi(xn)
        poly = np.polynomial.polynomial.polyval(c, _cot_derivative_poly(n))
        val = (-1.0) ** n * _polygamma_pos(n, 1 - xn) - np.pi ** (n + 1) * poly
        out[neg] = np.where(xn == np.round(xn), np.inf if n % 2 else -np.inf, val)
    out[x == np.inf] = 0.0
    out[np.isnan(x) | (x == -np.inf)] = np.nan
    return out


def polygamma(n, x):
    if n == 0:
        return digamma(x)
    if _on_cuda(x):
        return _cupy_special().polygamma(n, x).astype(x.dtype, copy=False)
    return _polygamma_np(x, n)


def erf(x):
    if _on_cuda(x):
        return _cupy_special().erf(x)
    return _kernel_refs.erf(x)


def erfc(x):
    if _on_cuda(x):
        return _cupy_special().erfc(x)
    return _kernel_refs.erfc(x)


def _giles(y):
    """Giles' single-precision erfinv approximation (relative error about 1e-7 for
    |y| <= 1 - 1e-7): a starting point for the Newton steps."""
    w = -np.log((1 - y) * (1 + y))
    c = np.where(w < 5, w - 2.5, np.sqrt(w) - 3)
    small = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
             -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
    large = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]
    p = np.where(w < 5, small[0], large[0])
    for a, b in zip(small[1:], large[1:]):
        p = np.where(w < 5, a, b) + p * c
    return p * y


def _erfc_scaled(x, erfc_x):
    """erfc(x) * exp(x^2) for x >= 0, given erfc(x). It is only the Newton step's slope: a
    few digits suffice where the asymptotic series takes over (exp(x^2) overflows later)."""
    with np.errstate(all="ignore"):
        direct = erfc_x * np.exp(x * x)
        inv2 = 1 / (2 * x * x)
        asym = (1 - inv2 + 3 * inv2 ** 2 - 15 * inv2 ** 3 + 105 * inv2 ** 4) / (x * _SQRT_PI)
    return np.where(x < 5, direct, asym)


def _erfcinv_np(q):
    """x >= 0 with erfc(x) = q, for 0 < q <= 1: Newton on log(erfc(x)) - log(q), which keeps
    full relative accuracy in q however small (erfinv(1 - q) would lose it)."""
    w = -np.log(q * (2 - q))
    # Starting point: Giles' fit while it applies; beyond it, the leading asymptotics
    # erfc(x) ~ exp(-x^2) / (x sqrt(pi)).
    x0 = np.sqrt(-np.log(q))
    asym = np.sqrt(np.maximum(-np.log(q) - np.log(x0 * _SQRT_PI), 0.0))
    x = np.where(w < 16, _giles(1 - q), asym)
    # Quadratic convergence from ~1e-3 (the asymptotic start; Giles' is ~1e-7): 4 steps.
    log_q = np.log(q)
    for _ in range(4):
        e = erfc(x)
        x = x + (np.log(e) - log_q) * _erfc_scaled(x, e) * (_SQRT_PI / 2)
    return x


def erfcinv_np(q):
    """erfc^-1(q) on NumPy float64 arrays, for 0 <= q <= 2 (inf / -inf at the ends)."""
    with np.errstate(all="ignore"):
        out = np.full_like(q, np.nan)
        low = (q > 0) & (q <= 1)
        out[low] = _erfcinv_np(q[low])
        high = (q > 1) & (q < 2)
        # erfc(-x) = 2 - erfc(x); 2 - q is exact for q in [1, 2).
        out[high] = -_erfcinv_np(2 - q[high])
        out[q == 0] = np.inf
        out[q == 2] = -np.inf
    return out


@_f64
def _erfinv_np(y):
    out = np.full_like(y, np.nan)
    a = np.abs(y)
    mid = a <= 0.5
    ym = y[mid]
    x = _giles(ym)
    for _ in range(2):
        x = x - (erf(x) - ym) / ((2 / _SQRT_PI) * np.exp(-x * x))
    out[mid] = x
    tail = (a > 0.5) & (a <= 1)
    # 1 - |y| is exact there (Sterbenz), so the tail inverts erfc with full accuracy.
    out[tail] = np.sign(y[tail]) * erfcinv_np(1 - a[tail])
    return out


def erfinv(x):
    if _on_cuda(x):
        return _cupy_special().erfinv(x)
    return _erfinv_np(x)


@_f64
def _ndtri_np(p):
    out = np.full_like(p, np.nan)
    low = (p >= 0) & (p <= 0.5)
    # ndtri(p) = -sqrt(2) erfc^-1(2p): 2p is exact, so tiny p keeps its accuracy.
    out[low] = -math.sqrt(2) * erfcinv_np(2 * p[low])
    high = (p > 0.5) & (p <= 1)
    out[high] = math.sqrt(2) * erfcinv_np(2 * (1 - p[high]))
    out[p == 0.5] = 0.0   # +0, as PyTorch (-sqrt(2) * 0 would be -0)
    return out


def ndtri(x):
    if _on_cuda(x):
        return _cupy_special().ndtri(x)
    return _ndtri_np(x)


@_f64
def _log_ndtr_np(x):
    # log(erfc(t) / 2) with t = -x / sqrt(2); for t > 20 erfc underflows soon after, so
    # use log erfc(t) = -t^2 - log(t sqrt(pi)) + log(sum (-1)^k (2k-1)!! / (2t^2)^k).
    t = -x / math.sqrt(2)
    direct = np.where(x < -1, np.log(erfc(t) / 2), np.log1p(-erfc(-t) / 2))
    tb = np.where(t > 20, t, 20.0)
    inv = 1 / (2 * tb * tb)
    s, term = 1.0, 1.0
    for k in range(1, 12):
        term = term * -(2 * k - 1) * inv
        s = s + term
    asym = -tb * tb - np.log(tb * _SQRT_PI) + np.log(s) - math.log(2)
    return np.where(t > 20, asym, direct)


def log_ndtr(x):
    if _on_cuda(x):
        return _cupy_special().log_ndtr(x)
    return _log_ndtr_np(x)


def _bessel_series(x, nu):
    """I_nu(x), nu in {0, 1}, by its power series sum (x/2)^(2k+nu) / (k! (k+nu)!); every
    term is positive, so for |x| <= 20 it converges with no cancellation."""
    q = (x * x) / 4
    term = np.ones_like(x) if nu == 0 else x / 2
    total = term
    for k in range(1, 80):
        term = term * q / (k * (k + nu))
        total = total + term
    return total


def _bessel_scaled_asym(ax, nu):
    """exp(-x) I_nu(x) for x > 20: Hankel's expansion, exp(-x) I_nu(x) ~ 1/sqrt(2 pi x)
    * sum (-1)^k prod_j (4nu^2 - (2j-1)^2) / (k! (8x)^k); 30 terms reach the rounding."""
    mu = 4.0 * nu * nu
    term = np.ones_like(ax)
    total = term
    for k in range(1, 30):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8 * ax)
        total = total + term
    return total / np.sqrt(2 * np.pi * ax)


def _bessel_np(x, nu, scaled):
    ax = np.abs(x)
    small = ax <= 20
    out = np.empty_like(x)
    xs = x[small]
    ser = _bessel_series(xs, nu)
    out[small] = ser * np.exp(-np.abs(xs)) if scaled else ser
    big = ~small & ~np.isnan(x)
    ab = ax[big]
    val = _bessel_scaled_asym(np.where(np.isinf(ab), 1.0, ab), nu)
    if not scaled:
        # As PyTorch (Cephes): e^x is formed on its own, so the result is inf from
        # x > log(max double) and NaN at infinity (inf * 0 in its Chebyshev form).
        val = val * np.exp(ab)
    val = np.where(np.isinf(ab), 0.0 if scaled else np.nan, val)
    if nu == 1:
        val = val * np.sign(x[big])
    out[big] = val
    out[np.isnan(x)] = np.nan
    if nu == 1:
        out[x == 0] = 0.0   # +0 for -0 too, as PyTorch
    return out


@_f64
def _i0_np(x):
    return _bessel_np(x, 0, False)


@_f64
def _i0e_np(x):
    return _bessel_np(x, 0, True)


@_f64
def _i1_np(x):
    return _bessel_np(x, 1, False)


@_f64
def _i1e_np(x):
    return _bessel_np(x, 1, True)


def i0(x):
    return _cupy_special().i0(x) if _on_cuda(x) else _i0_np(x)


def i0e(x):
    return _cupy_special().i0e(x) if _on_cuda(x) else _i0e_np(x)


def i1(x):
    return _cupy_special().i1(x) if _on_cuda(x) else _i1_np(x)


def i1e(x):
    return _cupy_special().i1e(x) if _on_cuda(x) else _i1e_np(x)
