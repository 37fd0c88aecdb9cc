"""Elementwise arithmetic: + - * / ** and their reflected and in-place forms, comparisons.

Each op broadcasts; its backward returns gradients of the broadcast shape and the engine
sums them back to each input's shape.
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make
from ._util import as_operand, promote_pair, register_methods, to_float

__all__ = ["where", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow",
           "neg", "negative", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt", "le",
           "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal", "equal",
           "allclose", "isclose", "logical_and", "logical_or", "logical_not", "logical_xor",
           "floor_divide", "remainder", "fmod", "rsub"]


class Add(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        need = ctx.needs_input_grad
        # Save only the side the other's gradient needs.
        ctx.save_for_backward(b if need[0] else None, a if need[1] else None)
        ctx.scalars = (b if not need[1] and not hasattr(b, "dtype") else None,
                       a if not need[0] and not hasattr(a, "dtype") else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        sb, sa = ctx.scalars
        need = ctx.needs_input_grad
        ga = g * (b if b is not None else sb) if need[0] else None
        gb = g * (a if a is not None else sa) if need[1] else None
        return ga, gb


class Div(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        # True division: integer operands divide as the default float dtype.
        a = to_float(a) if hasattr(a, "dtype") else float(a)
        b = to_float(b) if hasattr(b, "dtype") else float(b)
        a, b = promote_pair(a, b)
        need = ctx.needs_input_grad
        y = a / b
        ctx.save_for_backward(b if need[0] or need[1] else None, y if need[1] else None)
        ctx.scalar_b = None if hasattr(b, "dtype") else b
        return y

    @staticmethod
    def backward(ctx, g):
        b, y = ctx.saved_tensors
        if b is None:
            b = ctx.scalar_b
        need = ctx.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * y / b if need[1] else None
        return ga, gb


class Pow(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a_arr, b_arr = hasattr(a, "dtype"), hasattr(b, "dtype")
        a, b = promote_pair(a, b)
        if a_arr and not b_arr and a.dtype.kind in "iub" and isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        y = a ** b
        need = ctx.needs_input_grad
        ctx.save_for_backward(a if a_arr else None, b if b_arr else None,
                              y if need[1] else None)
        ctx.scalars = (None if a_arr else a, None if b_arr else b)
        return y

    @staticmethod
    def backward(ctx, g):
        # PyTorch's pow_backward_self / pow_backward_exponent, corner cases included.
        a, b, y = ctx.saved_tensors
        sa, sb = ctx.scalars
        need = ctx.needs_input_grad
        ga = gb = None
        if need[0]:
            if b is None:
                ga = g * 0.0 if sb == 0 else g * sb * a ** (sb - 1)
            else:
                ga = where(b == 0, 0.0, g * b * a ** (b - 1))
        if need[1]:
            if a is not None:
                zero_corner = (a == 0) & (b >= 0)
                gb = g * where(zero_corner, 0.0, y * where(zero_corner, 1.0, a).log())
            elif sa == 0:
                gb = g * where(b >= 0, 0.0, y * float("-inf"))
            else:
                gb = g * y * float(np.log(sa)) if sa > 0 else g * y * float("nan")
        return ga, gb


class Where(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype.kind != "b":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {cond.dtype}")
        a, b = promote_pair(a, b)
        xp = get_array_module(cond, a, b)
        ctx.save_for_backward(cond)
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        cond, = ctx.saved_tensors
        need = ctx.needs_input_grad
        zero = g * 0.0
        return (None, where(cond, g, zero) if need[1] else None,
                where(cond, zero, g) if need[2] else None)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (broadcasting; scalars allowed).

    Example::

        >>> gg.where(gg.tensor([True, False]), 1.0, gg.tensor([5.0, 6.0]))
        tensor([1., 6.])
    """
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return Where.apply(condition, as_operand(input), as_operand(other))


class Neg(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


def _make_minmax(name, fn_name, choose_a):
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        xp = get_array_module(a, b)
        y = getattr(xp, fn_name)(a, b)
        # Ties split the gradient evenly, as PyTorch does.
        ctx.save_for_backward(a, b)
        return y

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wa = (choose_a(a, b)).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        need = ctx.needs_input_grad
        return (g * wa if need[0] else None), (g * (1 - wa) if need[1] else None)

    return type(name, (Function,), {"_array_forward": True, "_builtin": True,
                                     "forward": staticmethod(forward),
                                     "backward": staticmethod(backward)})


Maximum = _make_minmax("Maximum", "maximum", lambda a, b: a > b)
Minimum = _make_minmax("Minimum", "minimum", lambda a, b: a < b)
Fmax = _make_minmax("Fmax", "fmax", lambda a, b: (a > b) | b.isnan())
Fmin = _make_minmax("Fmin", "fmin", lambda a, b: (a < b) | b.isnan())


# ------------------------------------------------------------------ public functions
def _binary(cls, a, b):
    a = as_operand(a)
    b = as_operand(b)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("expected at least one Tensor operand")
    return cls.apply(a, b)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcasting.

    Example::

        >>> gg.add(gg.tensor([1.0, 2.0]), 1.0)
        tensor([2., 3.])
    """
    if alpha != 1:
        other = as_operand(other) * alpha
    return _out(_binary(Add, input, other), out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``, broadcasting."""
    if alpha != 1:
        other = as_operand(other) * alpha
    return _out(_binary(Sub, input, other), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """``input * other``, broadcasting."""
    return _out(_binary(Mul, input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other`` (true division; ``rounding_mode='trunc'|'floor'`` as PyTorch)."""
    if rounding_mode is None:
        return _out(_binary(Div, input, other), out)
    q = _binary(Div, input, other)
    if rounding_mode == "trunc":
        r = q.trunc()
    elif rounding_mode == "floor":
        r = q.floor()
    else:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    a, b = as_operand(input), as_operand(other)
    ints = all((not isinstance(x, Tensor) and isinstance(x, int)) or
               (isinstance(x, Tensor) and x._data.dtype.kind in "iub") for x in (a, b))
    if ints:
        r = r.to(_result_int_dtype(a, b))
    return _out(r, out)


def _result_int_dtype(a, b):
    from .. import dtypes
    ops = [x._data if isinstance(x, Tensor) else x for x in (a, b)]
    return dtypes._BY_NP[dtypes.result_type(*ops)]


divide = true_divide = div


def pow(input, exponent, *, out=None):
    """``input ** exponent``, broadcasting."""
    return _out(_binary(Pow, input, exponent), out)


def neg(input):
    """``-input``."""
    return Neg.apply(input)


negative = neg


def maximum(input, other):
    """Elementwise maximum (ties share the gradient)."""
    return _binary(Maximum, input, other)


def minimum(input, other):
    """Elementwise minimum (ties share the gradient)."""
    return _binary(Minimum, input, other)


def fmax(input, other):
    return _binary(Fmax, input, other)


def fmin(input, other):
    return _binary(Fmin, input, other)


def _out(result, out):
    if out is None:
        return result
    out.copy_(result) if out.shape == result.shape else out.resize_as_(result).copy_(result)
    return out


# ------------------------------------------------------------------ no-gradient ops
def _nograd_binary(fn_name, promote=True):
    def op(input, other):
        a, b = as_operand(input), as_operand(other)
        da = a._data if isinstance(a, Tensor) else a
        db = b._data if isinstance(b, Tensor) else b
        if promote:
            da, db = promote_pair(da, db)
        xp = get_array_module(da, db)
        try:
            return _make(getattr(xp, fn_name)(da, db))
        except ValueError as e:
            from ..autograd.broadcast import broadcast_shapes
            broadcast_shapes(getattr(da, "shape", ()), getattr(db, "shape", ()))
            raise RuntimeError(str(e)) from None
    op.__name__ = fn_name
    op.__doc__ = f"Elementwise ``{fn_name}`` (no gradient; returns a bool or integer tensor)."
    return op


eq = equal_ = _nograd_binary("equal")
ne = not_equal = _nograd_binary("not_equal")
lt = less = _nograd_binary("less")
le = less_equal = _nograd_binary("less_equal")
gt = greater = _nograd_binary("greater")
ge = greater_equal = _nograd_binary("greater_equal")
logical_and = _nograd_binary("logical_and", promote=False)
logical_or = _nograd_binary("logical_or", promote=False)
logical_xor = _nograd_binary("logical_xor", promote=False)
floor_divide = _nograd_binary("floor_divide")
remainder = _nograd_binary("remainder")
fmod = _nograd_binary("fmod")
_bitwise_and = _nograd_binary("bitwise_and", promote=False)
_bitwise_or = _nograd_binary("bitwise_or", promote=False)
_bitwise_xor = _nograd_binary("bitwise_xor", promote=False)


def logical_not(input):
    """Elementwise ``not`` as a bool tensor."""
    return _make(get_array_module(input._data).logical_not(input._data))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool((input._data == other._data).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    xp = get_array_module(input._data)
    return _make(xp.isclose(input._data, as_operand(other)._data if isinstance(
        other, Tensor) else other, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element is close (``|a - b| <= atol + rtol * |b|``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("bitwise_not is only supported for integer and boolean tensors")
    return _make(get_array_module(self._data).invert(self._data))


def _reflected(fn):
    def r(self, other):
        return fn(as_operand(other), self)
    return r


register_methods(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div,
    true_divide=div, pow=pow, neg=neg, negative=neg, maximum=maximum, minimum=minimum,
    fmax=fmax, fmin=fmin, where=lambda self, condition, other: where(condition, self, other),
    __add__=lambda s, o: _binary(Add, s, o), __radd__=lambda s, o: _binary(Add, o, s),
    __sub__=lambda s, o: _binary(Sub, s, o), __rsub__=lambda s, o: _binary(Sub, o, s),
    __mul__=lambda s, o: _binary(Mul, s, o), __rmul__=lambda s, o: _binary(Mul, o, s),
    __truediv__=lambda s, o: _binary(Div, s, o), __rtruediv__=lambda s, o: _binary(Div, o, s),
    __pow__=lambda s, o: _binary(Pow, s, o), __rpow__=lambda s, o: _binary(Pow, o, s),
    __neg__=neg, __pos__=lambda s: s, __invert__=_invert,
    __floordiv__=floor_divide, __rfloordiv__=_reflected(floor_divide),
    __mod__=remainder, __rmod__=_reflected(remainder),
    __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
    __and__=_bitwise_and, __or__=_bitwise_or, __xor__=_bitwise_xor,
    __rand__=_reflected(_bitwise_and), __ror__=_reflected(_bitwise_or),
    __rxor__=_reflected(_bitwise_xor),
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, greater=gt, less=lt, greater_equal=ge,
    less_equal=le, not_equal=ne, equal=equal, isclose=isclose, allclose=allclose,
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, floor_divide=floor_divide, remainder=remainder, fmod=fmod,
)
