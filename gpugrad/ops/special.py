"""Special functions and the remaining elementwise ops of ``torch``'s math family: erfc,
erfinv, lgamma, digamma, polygamma, mvlgamma, the modified Bessel functions i0/i0e/i1/i1e,
sinc, xlog1py, entr, ndtr/ndtri/log_ndtr, copysign, heaviside, float_power, ldexp,
nextafter, frexp, gcd, lcm and logcumsumexp.

The numerics live in ``_special_math`` (NumPy has no gamma or Bessel functions; on cuda they
come from ``cupyx.scipy.special``). Each derivative is written with gpugrad ops, most of them
special functions again (lgamma' = digamma, digamma' = polygamma(1, .), i0' = i1), so
``create_graph=True`` gives higher derivatives.
"""
import math
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make, _wrap_dim
from . import _special_math as _sm
from ._util import as_operand, not_implemented_for, promote_pair, register_methods, to_float
from .arithmetic import _binary, _nograd_binary, _tensors_only, where
from .inplace import _inplace_unary, inplace_update
from .pointwise import Xlogy
from .unary import _unary

# The top-level names, as torch's; xlog1py, entr, ndtr, ndtri, log_ndtr, expit, i0e, i1 and
# i1e are only in gg.special, as in torch.special.
__all__ = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc",
           "copysign", "heaviside", "float_power", "ldexp", "nextafter", "frexp", "gcd", "lcm",
           "logcumsumexp"]

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _doc(text, example):
    return f"{text}\n\nExample::\n\n    {example}"


Erfc, erfc = _unary(
    "erfc", lambda xp, x: _sm.erfc(x), "input",
    lambda g, x, y: g * (-2 / _SQRT_PI) * (-(x * x)).exp(),
    doc=_doc("``1 - erf(input)``, accurate where erf is close to 1.",
             ">>> gg.erfc(gg.tensor([0.0, 3.0]))\n    tensor([1.0000e+00, 2.2090e-05])"))
Erfinv, erfinv = _unary(
    "erfinv", lambda xp, x: _sm.erfinv(x), "output",
    lambda g, x, y: g * (_SQRT_PI / 2) * (y * y).exp(),
    doc=_doc("The inverse of erf on (-1, 1); +-inf at +-1 and NaN outside.",
             ">>> gg.erfinv(gg.tensor([0.0, 0.5]))\n    tensor([0.0000, 0.4769])"))
Lgamma, lgamma = _unary(
    "lgamma", lambda xp, x: _sm.lgamma(x), "input", lambda g, x, y: g * digamma(x),
    doc=_doc("``log(|Gamma(input)|)``; inf at the poles 0, -1, -2, ...",
             ">>> gg.lgamma(gg.tensor([0.5, 3.0]))\n    tensor([0.5724, 0.6931])"))
Digamma, digamma = _unary(
    "digamma", lambda xp, x: _sm.digamma(x), "input", lambda g, x, y: g * polygamma(1, x),
    doc=_doc("The logarithmic derivative of Gamma; NaN at the negative integers and -inf at "
             "+0 (+inf at -0), as PyTorch.",
             ">>> gg.digamma(gg.tensor([1.0]))\n    tensor([-0.5772])"))
I0, i0 = _unary(
    "i0", lambda xp, x: _sm.i0(x), "input", lambda g, x, y: g * i1(x),
    doc=_doc("The modified Bessel function of the first kind, order 0.",
             ">>> gg.i0(gg.tensor([0.0, 1.0]))\n    tensor([1.0000, 1.2661])"))
I0e, i0e = _unary(
    "i0e", lambda xp, x: _sm.i0e(x), "input",
    lambda g, x, y: g * (i1e(x) - x.sign() * i0e(x)), node_name="SpecialI0eBackward0",
    doc=_doc("``exp(-|input|) * i0(input)``, finite for large inputs.",
             ">>> gg.special.i0e(gg.tensor([0.0, 1.0]))\n    tensor([1.0000, 0.4658])"))


def _i1_slope(g, x, y):
    # i1'(x) = i0(x) - i1(x) / x, with its limit 1/2 at 0 (x made safe for the division, so
    # that the masked branch cannot leak NaN into a second derivative).
    safe = where(x == 0, 1.0, x)
    return g * where(x == 0, 0.5, i0(x) - i1(x) / safe)


def _i1e_slope(g, x, y):
    safe = where(x == 0, 1.0, x)
    return g * where(x == 0, 0.5, i0e(x) - i1e(x) * (x.sign() + 1 / safe))


I1, i1 = _unary("i1", lambda xp, x: _sm.i1(x), "input", _i1_slope,
                node_name="SpecialI1Backward0",
                doc=_doc("The modified Bessel function of the first kind, order 1.",
                         ">>> gg.special.i1(gg.tensor([1.0]))\n    tensor([0.5652])"))
I1e, i1e = _unary("i1e", lambda xp, x: _sm.i1e(x), "input", _i1e_slope,
                  node_name="SpecialI1eBackward0",
                  doc=_doc("``exp(-|input|) * i1(input)``.",
                           ">>> gg.special.i1e(gg.tensor([1.0]))\n    tensor([0.2079])"))


def _sinc(xp, x):
    # pi * x in x's own dtype, as PyTorch's kernel, so float32 results round the same way.
    px = x * x.dtype.type(math.pi)
    safe = xp.where(x == 0, x.dtype.type(1), px)
    return xp.where(x == 0, x.dtype.type(1), xp.sin(safe) / safe)


def _sinc_slope(g, x, y):
    safe = where(x == 0, 1.0, x) * math.pi
    d = (safe.cos() * safe - safe.sin()) / (safe * safe) * math.pi
    return g * where(x == 0, 0.0, d)


Sinc, sinc = _unary("sinc", _sinc, "input", _sinc_slope,
                    doc=_doc("The normalized sinc: ``sin(pi x) / (pi x)``, 1 at 0.",
                             ">>> gg.sinc(gg.tensor([0.0, 0.5]))\n    tensor([1.0000, 0.6366])"))


def _entr(xp, x):
    with np.errstate(all="ignore"):
        y = -x * xp.log(x)
    y = xp.where(x == 0, x.dtype.type(0), y)
    return xp.where(x < 0, x.dtype.type(-np.inf), y)


# PyTorch's derivative, -(1 + log x): inf at 0 and NaN below, where entr is -inf.
Entr, entr = _unary("entr", _entr, "input", lambda g, x, y: g * -(1 + x.log()),
                    node_name="SpecialEntrBackward0",
                    doc=_doc("Elementwise entropy ``-x log x`` (0 at 0, -inf for x < 0).",
                             ">>> gg.special.entr(gg.tensor([0.0, 0.5]))\n"
                             "    tensor([0.0000, 0.3466])"))

Ndtri, ndtri = _unary(
    "ndtri", lambda xp, x: _sm.ndtri(x), "output",
    lambda g, x, y: g * _SQRT_2PI * (y * y / 2).exp(), node_name="SpecialNdtriBackward0",
    doc=_doc("The inverse of the standard normal CDF (the probit), accurate for tiny p.",
             ">>> gg.special.ndtri(gg.tensor([0.5, 0.975]))\n    tensor([0.0000, 1.9600])"))


class LogNdtr(Function):
    """log of the standard normal CDF, finite far into the left tail."""
    _array_forward = True
    _builtin = True
    _node_name = "SpecialLogNdtrBackward0"

    @staticmethod
    def forward(ctx, x):
        x = to_float(x)
        y = _sm.log_ndtr(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        # pdf / cdf as exp(log pdf - log cdf): no 0 / 0 where the CDF underflows.
        return g * (-(y + x * x / 2)).exp() / _SQRT_2PI


def log_ndtr(input):
    """``log(ndtr(input))``, computed without underflow for very negative inputs.

    Example::

        >>> gg.special.log_ndtr(gg.tensor([0.0, -40.0]))
        tensor([-6.9315e-01, -8.0461e+02])
    """
    return LogNdtr.apply(input)


def ndtr(input):
    """The standard normal CDF, ``(1 + erf(input / sqrt(2))) / 2``.

    Example::

        >>> gg.special.ndtr(gg.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
    """
    return erfc(input * -math.sqrt(0.5)) * 0.5


def expit(input):
    """The logistic sigmoid, ``1 / (1 + exp(-input))``.

    Example::

        >>> gg.special.expit(gg.tensor([0.0]))
        tensor([0.5000])
    """
    return input.sigmoid()


class Polygamma(Function):
    """The n-th derivative of digamma (n >= 1)."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, n):
        x = to_float(x)
        ctx.save_for_backward(x)
        ctx.n = n
        return _sm.polygamma(n, x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * polygamma(ctx.n + 1, x), None


def polygamma(n, input):
    """The ``n``-th derivative of digamma; ``polygamma(0, x)`` is ``digamma(x)``.

    Example::

        >>> gg.polygamma(1, gg.tensor([1.0]))    # pi ** 2 / 6
        tensor([1.6449])
    """
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return digamma(input)
    return Polygamma.apply(input, n)


def mvlgamma(input, p):
    """The multivariate log-gamma of dimension ``p``:
    ``p (p - 1) / 4 log(pi) + sum_{i<p} lgamma(input - i / 2)``.

    Example::

        >>> gg.mvlgamma(gg.tensor([2.5]), p=2)
        tensor([0.8570])
    """
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    from .creation import tensor
    x = input if input._data.dtype.kind == "f" else input.to(_dt.get_default_dtype())
    # The same sums as PyTorch's: lgamma(x + [-(p-1)/2, ..., -1/2, 0]) over the last dim.
    offsets = tensor(np.arange(-p / 2 + 0.5, 0.5, 0.5), dtype=x.dtype, device=x.device)
    return lgamma(x.unsqueeze(-1) + offsets).sum(-1) + p * (p - 1) * math.log(math.pi) / 4


class Xlog1py(Xlogy):
    """``x * log1p(y)``, 0 where x is 0 (unless y is NaN)."""
    _node_name = "SpecialXlog1PyBackward0"
    _log = "log1p"
    _pole = -1


def xlog1py(input, other):
    """``input * log1p(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN).

    Example::

        >>> gg.special.xlog1py(gg.tensor([0.0, 2.0]), gg.tensor([-1.0, 0.0]))
        tensor([0., 0.])
    """
    input, other = as_operand(input), as_operand(other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlog1py(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(input, Tensor):
        input = other.new_tensor(input)
    return Xlog1py.apply(input, other)


class Copysign(Function):
    """``|input|`` with the sign of ``other``."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        a = to_float(a)
        b = to_float(b) if hasattr(b, "dtype") else b
        xp = get_array_module(a, b)
        y = xp.copysign(a, b)
        if ctx.needs_input_grad[0]:
            # d|a|sign(b)/da: +1 where the sign is kept, -1 where flipped, 0 at a == 0
            # (PyTorch's convention); piecewise constant, so a constant tensor.
            flip = xp.signbit(a) != xp.signbit(xp.broadcast_to(xp.asarray(b, a.dtype),
                                                                y.shape))
            factor = xp.where(flip, a.dtype.type(-1), a.dtype.type(1))
            ctx.save_for_backward(xp.where(a == 0, a.dtype.type(0), factor))
        return y

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        gx = g * ctx.saved_tensors[0] if need[0] else None
        # The result does not vary with other's magnitude; PyTorch returns zeros.
        return gx, (g * 0.0 if need[1] else None)


def copysign(input, other):
    """The magnitude of ``input`` with the sign of ``other`` (float result).

    Example::

        >>> gg.copysign(gg.tensor([1.0, -2.0]), -1.0)
        tensor([-1., -2.])
    """
    return _binary(Copysign, input, other)


class Heaviside(Function):
    """The step function; PyTorch defines no derivative for it."""
    _array_forward = True
    _builtin = True
    _node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, x, values):
        if x.dtype != values.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different "
                               "dtypes.")
        xp = get_array_module(x, values)
        # PyTorch's x == 0 ? values : x > 0, so NaN maps to 0 (NumPy's heaviside keeps NaN).
        y = xp.where(x == 0, values, (x > 0).astype(x.dtype))
        return xp.asarray(y, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


def heaviside(input, values):
    """0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive.

    Example::

        >>> gg.heaviside(gg.tensor([-1.0, 0.0, 2.0]), gg.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    for name, pos, v in (("input", 1, input), ("values", 2, values)):
        if not isinstance(v, Tensor):
            raise TypeError(f"heaviside(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {type(v).__name__}")
    return Heaviside.apply(input, values)


def float_power(input, exponent):
    """``input ** exponent`` computed in float64 (the result is always float64).

    Example::

        >>> gg.float_power(gg.tensor([2]), 3)
        tensor([8.], dtype=gpugrad.float64)
    """
    def f64(v):
        return v.to(_dt.float64) if isinstance(v, Tensor) else float(v)
    if not isinstance(input, Tensor):
        return f64(input) ** f64(exponent)
    return f64(input).pow(f64(exponent))


def ldexp(input, other):
    """``input * 2 ** other`` (a float result).

    Example::

        >>> gg.ldexp(gg.tensor([1.0]), gg.tensor([3]))
        tensor([8.])
    """
    rt = _dt.result_type(input._data, other._data)
    if rt.kind != "f":
        rt = _dt.get_default_dtype().np_dtype
    dt = _dt.from_numpy_dtype(rt)
    return input.to(dt) * (2.0 ** other.to(dt))


class Nextafter(Function):
    """The next representable float after ``input`` towards ``other``."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        if a.dtype.kind != "f":
            raise not_implemented_for("nextafter_cpu", a)
        return get_array_module(a, b).nextafter(a, b)

    @staticmethod
    def backward(ctx, g):
        # One ulp is no change to first order: PyTorch's gradients are g and 0.
        need = ctx.needs_input_grad
        return (g if need[0] else None), (g * 0.0 if need[1] else None)


def nextafter(input, other):
    """The next floating-point value after ``input`` in the direction of ``other``.

    Example::

        >>> gg.nextafter(gg.tensor([1.0], dtype=gg.float64), gg.tensor([2.0])) - 1
        tensor([2.2204e-16], dtype=gpugrad.float64)
    """
    return _tensors_only(Nextafter, input, other)


_FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


class _Frexp(_FrexpResult):
    __slots__ = ()

    def __repr__(self):
        return (f"gpugrad.return_types.frexp(\nmantissa={self.mantissa!r},\n"
                f"exponent={self.exponent!r})")


class FrexpMantissa(Function):
    """The mantissa of frexp; it is input * 2 ** -exponent, so its gradient scales by that."""
    _array_forward = True
    _builtin = True
    _node_name = "FrexpBackward0"

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        m, e = xp.frexp(x)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(xp.ldexp(xp.ones_like(x), -e))
        return m

    @staticmethod
    def backward(ctx, g):
        return g * ctx.saved_tensors[0]


def frexp(input):
    """Split into ``mantissa`` in [0.5, 1) and an int32 ``exponent``:
    ``input == mantissa * 2 ** exponent``.

    Example::

        >>> gg.frexp(gg.tensor([8.0]))
        gpugrad.return_types.frexp(
        mantissa=tensor([0.5000]),
        exponent=tensor([4], dtype=gpugrad.int32))
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError("gpugrad.frexp() only supports floating-point dtypes")
    xp = input._array_module
    _, e = xp.frexp(input._data)
    return _Frexp(FrexpMantissa.apply(input), _make(e.astype(np.int32, copy=False)))


def _integer_only(fn_name, kernel):
    array_op = _nograd_binary(fn_name)

    def op(input, other):
        for name, pos, v in (("input", 1, input), ("other", 2, other)):
            if not isinstance(v, Tensor):
                raise TypeError(f"{fn_name}(): argument '{name}' (position {pos}) must be "
                                f"Tensor, not {type(v).__name__}")
        for v in (input, other):
            if v._data.dtype.kind not in "iu":
                raise not_implemented_for(kernel, v._data)
        return array_op(input, other)
    op.__name__ = fn_name
    return op


gcd = _integer_only("gcd", "gcd_cpu")
gcd.__doc__ = """Elementwise greatest common divisor of integer tensors (non-negative).

Example::

    >>> gg.gcd(gg.tensor([4, -6]), gg.tensor([6, 9]))
    tensor([2, 3])
"""
lcm = _integer_only("lcm", "lcm_cpu")
lcm.__doc__ = """Elementwise least common multiple of integer tensors (non-negative).

Example::

    >>> gg.lcm(gg.tensor([4, 0]), gg.tensor([6, 5]))
    tensor([12,  0])
"""


def _logcumsumexp_array(x, axis):
    xp = get_array_module(x)
    if xp is np:
        with np.errstate(all="ignore"):
            return np.logaddexp.accumulate(x, axis=axis)
    # A log-step (Hillis-Steele) scan of logaddexp: log2(n) array passes, each as stable as
    # logaddexp itself.
    y = x.copy()
    n, s = x.shape[axis], 1
    while s < n:
        head = [slice(None)] * x.ndim
        tail = [slice(None)] * x.ndim
        head[axis], tail[axis] = slice(s, None), slice(None, n - s)
        shifted = y[tuple(tail)]
        y[tuple(head)] = xp.logaddexp(y[tuple(head)], shifted)
        s *= 2
    return y


class Logcumsumexp(Function):
    """``log(cumsum(exp(x)))`` along one dim, without overflow or underflow."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, dim):
        if x.dtype.kind != "f":
            raise not_implemented_for("logcumsumexp_out_cpu", x)
        d = _wrap_dim(dim, x.ndim)
        ctx.dim = d
        y = x.copy() if x.ndim == 0 else _logcumsumexp_array(x, d)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        d = ctx.dim

        def reverse_lcse(t):
            return logcumsumexp(t.flip(d), d).flip(d)
        # grad_x[j] = sum_{i >= j} g[i] exp(x[j] - y[i]); positive and negative parts of g
        # summed separately in log space, so no exp over- or underflows (PyTorch's way).
        lowest = float(np.finfo(x._data.dtype).min)
        # (lowest - y may round to -inf, which is the intended exp(...) = 0: no warning.)
        with np.errstate(all="ignore"):
            log_abs = g.abs().log()
            log_pos = where(g > 0, log_abs, lowest)
            log_neg = where(g < 0, log_abs, lowest)
            pos = (reverse_lcse(log_pos - y) + x).exp()
            neg = (reverse_lcse(log_neg - y) + x).exp()
        return pos - neg, None


def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))``, computed stably.

    Example::

        >>> gg.logcumsumexp(gg.tensor([-1000.0, 0.0]), 0)
        tensor([-1000.,     0.])
    """
    return Logcumsumexp.apply(input, dim)


def _float_power_(self, exponent):
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_dt.torch_name(self._data.dtype)} but the operation's result "
                           f"requires dtype Double")
    needs = getattr(exponent, "_requires_grad", False)
    return inplace_update(self, lambda x: float_power(x, exponent), needs)


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_(self, n):
    return inplace_update(self, lambda x: polygamma(n, x))


register_methods(
    erfc=erfc, erfinv=erfinv, lgamma=lgamma, digamma=digamma, polygamma=_polygamma_method,
    mvlgamma=mvlgamma, i0=i0, sinc=sinc, copysign=copysign, heaviside=heaviside,
    float_power=float_power, ldexp=ldexp, nextafter=nextafter, frexp=frexp, gcd=gcd, lcm=lcm,
    logcumsumexp=logcumsumexp, polygamma_=_polygamma_,
    float_power_=_float_power_,
    **{n + "_": _inplace_unary(n) for n in (
        "erfc", "erfinv", "lgamma", "digamma", "mvlgamma", "i0", "sinc", "copysign",
        "heaviside", "ldexp", "nextafter", "gcd", "lcm")}
)
