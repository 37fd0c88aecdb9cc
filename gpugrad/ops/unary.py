"""Elementwise one-input ops: exp, log, trigonometry, tanh, sigmoid, relu, clamp, rounding.

Each op is a Function built from a table row: the array function, what backward needs (the
input or the output, whichever is cheaper), and the derivative written with gpugrad ops so
that it can be differentiated again.
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..backend import kernel_refs as _kernel_refs
from ..backend.kernels import launch
from ..tensor import Tensor, _make
from .. import dtypes as _dt
from ._util import not_implemented_for, register_methods, to_float

__all__ = ["exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "square",
           "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
           "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "arcsin", "arccos",
           "arctan",
           "sigmoid", "relu", "abs", "absolute", "sign", "floor", "ceil", "round", "trunc",
           "frac", "clamp", "clip", "clamp_min", "clamp_max", "erf", "isnan", "isinf",
           "isfinite", "nan_to_num", "signbit"]


def _unary(name, array_fn, saves, derivative, floating=True, doc="", no_bool=None, quiet=True,
           node_name=None):
    """Build a Function: ``y = array_fn(xp, x)``; ``gx = derivative(g, x, y)``.

    ``saves`` is "input", "output" or None: what the derivative reads. ``floating``: integer
    inputs compute in the default float dtype. ``no_bool``: PyTorch's kernel name, for ops that
    have no bool version (NotImplementedError as PyTorch's). ``quiet``: NumPy's floating-point
    warnings off (a context manager per call, so off for ops that cannot overflow).
    """
    def forward(ctx, x):
        if floating:
            x = to_float(x)
        elif no_bool is not None and x.dtype.kind == "b":
            raise not_implemented_for(no_bool, x)
        if quiet:
            # PyTorch returns inf and nan (log(0), sqrt(-1), exp(1000)) without a warning.
            with np.errstate(all="ignore"):
                y = array_fn(get_array_module(x), x)
        else:
            y = array_fn(get_array_module(x), x)
        if saves == "input":
            ctx.save_for_backward(x)
        elif saves == "output":
            ctx.save_for_backward(y)
        return y

    def backward(ctx, g):
        saved = ctx.saved_tensors
        x = saved[0] if saves == "input" else None
        y = saved[0] if saves == "output" else None
        return derivative(g, x, y)

    cls = type(name.capitalize(), (Function,), {
        "_array_forward": True, "_builtin": True, "_ctx_free": True, "__doc__": doc,
        "_node_name": node_name,
        "_saved_names": ("self",) if saves == "input" else ("result",) if saves else (),
        "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def op(input):
        return cls.apply(input)
    op.__name__ = name
    op.__doc__ = doc or f"Elementwise ``{name}``."
    return cls, op


def _zero_grad(g, x, y):
    return g * 0.0


Exp, exp = _unary("exp", lambda xp, x: xp.exp(x), "output", lambda g, x, y: g * y,
                  doc="``e ** input``.\n\nExample::\n\n    >>> gg.exp(gg.tensor([0.0]))\n"
                      "    tensor([1.])")
Exp2, exp2 = _unary("exp2", lambda xp, x: xp.exp2(x), "output",
                    lambda g, x, y: g * y * float(np.log(2.0)))
Expm1, expm1 = _unary("expm1", lambda xp, x: xp.expm1(x), "output", lambda g, x, y: g * (y + 1))
Log, log = _unary("log", lambda xp, x: xp.log(x), "input", lambda g, x, y: g / x)
Log1p, log1p = _unary("log1p", lambda xp, x: xp.log1p(x), "input", lambda g, x, y: g / (x + 1))
Log2, log2 = _unary("log2", lambda xp, x: xp.log2(x), "input",
                    lambda g, x, y: g / (x * float(np.log(2.0))))
Log10, log10 = _unary("log10", lambda xp, x: xp.log10(x), "input",
                      lambda g, x, y: g / (x * float(np.log(10.0))))
Sqrt, sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), "output", lambda g, x, y: g / (2 * y))
Rsqrt, rsqrt = _unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), "output",
                      lambda g, x, y: g * -0.5 * y * y * y)
Square, square = _unary("square", lambda xp, x: _square(x), "input",
                        lambda g, x, y: g * 2 * x, floating=False, quiet=False,
                        node_name="PowBackward0")  # PyTorch's square is pow(x, 2)
Reciprocal, reciprocal = _unary("reciprocal", lambda xp, x: 1 / x, "output",
                                lambda g, x, y: -g * y * y)
Sin, sin = _unary("sin", lambda xp, x: xp.sin(x), "input", lambda g, x, y: g * x.cos(),
                  quiet=False)
Cos, cos = _unary("cos", lambda xp, x: xp.cos(x), "input", lambda g, x, y: -g * x.sin(),
                  quiet=False)
Tan, tan = _unary("tan", lambda xp, x: xp.tan(x), "output", lambda g, x, y: g * (1 + y * y))
Asin, asin = _unary("asin", lambda xp, x: xp.arcsin(x), "input",
                    lambda g, x, y: g * (1 - x * x).rsqrt())
Acos, acos = _unary("acos", lambda xp, x: xp.arccos(x), "input",
                    lambda g, x, y: -g * (1 - x * x).rsqrt())
Atan, atan = _unary("atan", lambda xp, x: xp.arctan(x), "input",
                    lambda g, x, y: g / (1 + x * x), quiet=False)
Sinh, sinh = _unary("sinh", lambda xp, x: xp.sinh(x), "input", lambda g, x, y: g * x.cosh())
Cosh, cosh = _unary("cosh", lambda xp, x: xp.cosh(x), "input", lambda g, x, y: g * x.sinh())
Asinh, asinh = _unary("asinh", lambda xp, x: xp.arcsinh(x), "input",
                      lambda g, x, y: g * (x * x + 1).rsqrt())
Acosh, acosh = _unary("acosh", lambda xp, x: xp.arccosh(x), "input",
                      lambda g, x, y: g * (x * x - 1).rsqrt())
Atanh, atanh = _unary("atanh", lambda xp, x: xp.arctanh(x), "input",
                      lambda g, x, y: g / (1 - x * x))
Abs, abs = _unary("abs", lambda xp, x: xp.abs(x), "input", lambda g, x, y: g * x.sign(),
                  floating=False, no_bool="abs_cpu", quiet=False)
Sign, sign = _unary("sign", lambda xp, x: _sign(xp, x), None, _zero_grad, floating=False,
                    quiet=False)
Floor, floor = _unary("floor", lambda xp, x: xp.floor(x) if x.dtype.kind == "f" else x.copy(),
                      None, _zero_grad, floating=False, no_bool="floor_vml_cpu", quiet=False)
Ceil, ceil = _unary("ceil", lambda xp, x: xp.ceil(x) if x.dtype.kind == "f" else x.copy(),
                    None, _zero_grad, floating=False, no_bool="ceil_vml_cpu", quiet=False)
Trunc, trunc = _unary("trunc", lambda xp, x: xp.trunc(x) if x.dtype.kind == "f" else x.copy(),
                      None, _zero_grad, floating=False, no_bool="trunc_vml_cpu", quiet=False)
Frac, frac = _unary("frac", lambda xp, x: _frac(xp, x), None, lambda g, x, y: g,
                    floating=False, quiet=False)


def _sign(xp, x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind == "f":
        # PyTorch's sign is (0 < x) - (x < 0): 0 for NaN, where NumPy's is NaN.
        return xp.nan_to_num(xp.sign(x), nan=0.0)
    return xp.sign(x)


def _square(x):
    # PyTorch's square is pow(x, 2): bool squares to int64.
    if x.dtype.kind == "b":
        x = x.astype(np.int64)
    return x * x


def _frac(xp, x):
    if x.dtype.kind != "f":
        raise not_implemented_for("frac_cpu", x)
    return x - xp.trunc(x)


Erf, erf = _unary("erf", lambda xp, x: _erf(xp, x), "input",
                  lambda g, x, y: g * (2.0 / float(np.sqrt(np.pi))) * (-(x * x)).exp())


def _erf(xp, x):
    if xp is np:
        return _kernel_refs.erf(x)      # Cody's rational fits, vectorised (the GELU kernels')
    import cupyx.scipy.special
    return cupyx.scipy.special.erf(x)


class Round(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, decimals=0):
        if x.dtype.kind == "b":
            raise not_implemented_for("round_vml_cpu", x)
        xp = get_array_module(x)
        # NumPy's round is half-to-even, as PyTorch's.
        return xp.round(x, decimals) if x.dtype.kind == "f" else x.copy()

    @staticmethod
    def backward(ctx, g):
        return g * 0.0, None


def round(input, *, decimals=0):
    """Round to the nearest integer (halves to even), zero gradient."""
    return Round.apply(input, decimals)


class Tanh(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _saved_names = ('result',)   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x):
        y = launch("tanh_fwd", to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return TanhBackward.apply(g, y)

    @staticmethod
    def _backward_arrays(ctx, g):
        return launch("tanh_bwd", g, ctx.saved_arrays[0]),


class TanhBackward(Function):
    """``g * (1 - y**2)`` as one fused kernel; differentiable again."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, y):
        # g is read only by y's gradient.
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        return launch("tanh_bwd", g, y)

    @staticmethod
    def backward(ctx, gg_):
        g, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (gg_ * (1 - y * y) if need[0] else None,
                gg_ * g * -2 * y if need[1] else None)


class Sigmoid(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _saved_names = ('result',)   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x):
        y = launch("sigmoid_fwd", to_float(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return SigmoidBackward.apply(g, y)

    @staticmethod
    def _backward_arrays(ctx, g):
        return launch("sigmoid_bwd", g, ctx.saved_arrays[0]),


class SigmoidBackward(Function):
    """``g * y * (1 - y)`` as one fused kernel; differentiable again."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, y):
        # g is read only by y's gradient.
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        return launch("sigmoid_bwd", g, y)

    @staticmethod
    def backward(ctx, gg_):
        g, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (gg_ * y * (1 - y) if need[0] else None,
                gg_ * g * (1 - 2 * y) if need[1] else None)


class Relu(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _saved_names = ('result',)   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        if type(x) is np.ndarray:
            # A zero of x's dtype as a 0-d array: NumPy then skips converting a Python 0 on
            # every call (twice as fast on small arrays; the same numbers and dtype).
            y = np.maximum(x, _zero_like(x.dtype))
        else:
            y = get_array_module(x).maximum(x, 0)
        # The output is all backward needs: y > 0 is the mask.
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return ReluBackward.apply(g, y)

    @staticmethod
    def _backward_arrays(ctx, g):
        return launch("relu_bwd", g, ctx.saved_arrays[0]),


_ZEROS = {}


def _zero_like(dtype):
    """A read-only 0-d zero of ``dtype`` (cached)."""
    z = _ZEROS.get(dtype)
    if z is None:
        z = np.zeros((), dtype)
        z.flags.writeable = False
        z = _ZEROS.setdefault(dtype, z)
    return z


class ReluBackward(Function):
    """``g`` where ``y > 0`` else 0, one fused kernel; its own gradient is the same mask."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(y)
        return launch("relu_bwd", g, y)

    @staticmethod
    def backward(ctx, gg_):
        y, = ctx.saved_tensors
        need = ctx.needs_input_grad
        # The mask is piecewise constant in y: its gradient is zero, and PyTorch returns the
        # zeros (not None), so grad(grad(relu(x)), x) works without allow_unused.
        return (ReluBackward.apply(gg_, y) if need[0] else None,
                gg_ * 0.0 if need[1] else None)


def tanh(input):
    """Hyperbolic tangent."""
    return Tanh.apply(input)


def sigmoid(input):
    """``1 / (1 + exp(-input))``, stable for large magnitudes."""
    return Sigmoid.apply(input)


def relu(input):
    """``max(input, 0)``."""
    return Relu.apply(input)


class Clamp(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'min', 'max')   # grad_fn._saved_<name>, as PyTorch's
    _node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        if lo is None and hi is None:
            raise RuntimeError("gpugrad.clamp: At least one of 'min' or 'max' must not be None")
        # The result dtype promotes over the bounds too (an int tensor clamped at 0.5 is float).
        rt = _dt.result_type(*[v for v in (x, lo, hi) if v is not None])
        if rt.kind == "b":
            raise not_implemented_for("clamp_scalar_cpu" if lo is not None and hi is not None
                                      else "clamp_min_scalar_cpu" if lo is not None
                                      else "clamp_max_scalar_cpu", x)
        x = x.astype(rt, copy=False)
        lo = lo.astype(rt, copy=False) if hasattr(lo, "dtype") else lo
        hi = hi.astype(rt, copy=False) if hasattr(hi, "dtype") else hi
        xp = get_array_module(x)
        y = x
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
        if y is x:
            y = x.copy()
        lo_arr, hi_arr = hasattr(lo, "dtype"), hasattr(hi, "dtype")
        if lo_arr or hi_arr:
            # Tensor bounds have gradients of their own, which compare x with them.
            ctx.save_for_backward(x, lo if lo_arr else None, hi if hi_arr else None, None)
        elif ctx.needs_input_grad[0]:
            # Number bounds: where the gradient passes (bounds included) is all backward
            # needs, 1 byte per element instead of x. Not in the 'self' slot, which names x.
            inside = None
            if lo is not None:
                inside = xp.greater_equal(x, lo)
            if hi is not None:
                m = xp.less_equal(x, hi)
                inside = m if inside is None else inside & m
            ctx.save_for_backward(None, None, None, xp.asarray(inside))   # 0-d: a NumPy bool
        # Only numbers on ctx: array bounds live in the saves.
        ctx.bounds = (None if lo_arr else lo, None if hi_arr else hi)
        return y.astype(rt, copy=False)

    @staticmethod
    def backward(ctx, g):
        from .arithmetic import where
        x, lo_t, hi_t, inside = ctx.saved_tensors
        if inside is not None:
            return where(inside, g, 0.0), None, None
        lo, hi = ctx.bounds
        lo = lo_t if lo_t is not None else lo
        hi = hi_t if hi_t is not None else hi
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m = x <= hi
            mask = m if mask is None else mask & m
        need = ctx.needs_input_grad
        gx = where(mask, g, 0.0) if need[0] else None
        glo = where(x < lo, g, 0.0) if need[1] else None
        ghi = where(x > hi, g, 0.0) if need[2] else None
        return gx, glo, ghi


class ClampTensor(Clamp):
    """clamp with tensor bounds."""
    _node_name = "ClampBackward0"


class ClampMin(Clamp):
    _node_name = "ClampMinBackward0"


class ClampMax(Clamp):
    _node_name = "ClampMaxBackward0"


def clamp(input, min=None, max=None):
    """Limit values to ``[min, max]``; the gradient passes where the input is inside.

    Example::

        >>> gg.clamp(gg.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    tensor_bounds = isinstance(min, Tensor) or isinstance(max, Tensor)
    return (ClampTensor if tensor_bounds else Clamp).apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return ClampMin.apply(input, min, None)


def clamp_max(input, max):
    return ClampMax.apply(input, None, max)


def _predicate(fn_name):
    def op(input):
        return _make(getattr(get_array_module(input._data), fn_name)(input._data))
    op.__name__ = fn_name
    op.__doc__ = f"Elementwise ``{fn_name}`` as a bool tensor."
    return op


isnan = _predicate("isnan")
isinf = _predicate("isinf")
isfinite = _predicate("isfinite")
signbit = _predicate("signbit")


class NanToNum(Function):
    """Non-finite values replaced; the gradient passes where the input was finite."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        xp = get_array_module(x)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(xp.isfinite(x))
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        finite, = ctx.saved_tensors
        return g * finite, None, None, None


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf``, ``neginf`` (default: the dtype's
    largest and smallest finite values)."""
    return NanToNum.apply(input, nan, posinf, neginf)


absolute = abs

# NumPy-style names PyTorch also has.
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


register_methods(
    exp=exp, exp2=exp2, expm1=expm1, log=log, log1p=log1p, log2=log2, log10=log10, sqrt=sqrt,
    rsqrt=rsqrt, square=square, reciprocal=reciprocal, sin=sin, cos=cos, tan=tan, asin=asin,
    arcsin=asin, acos=acos, arccos=acos, atan=atan, arctan=atan, sinh=sinh, cosh=cosh,
    asinh=asinh, arcsinh=asinh, acosh=acosh, arccosh=acosh, atanh=atanh, arctanh=atanh,
    tanh=tanh, sigmoid=sigmoid, relu=relu, abs=abs, absolute=abs, __abs__=abs, sign=sign,
    floor=floor, ceil=ceil, round=round, trunc=trunc, fix=trunc, frac=frac, clamp=clamp,
    clip=clamp, clamp_min=clamp_min, clamp_max=clamp_max, erf=erf, isnan=isnan, isinf=isinf,
    isfinite=isfinite, nan_to_num=nan_to_num, signbit=signbit,
)
