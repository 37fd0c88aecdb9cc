"""Elementwise arithmetic: + - * / ** and their reflected and in-place forms, comparisons.

Each op broadcasts; its backward returns gradients of the broadcast shape and the engine
sums them back to each input's shape.
"""
from operator import mul as _times

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make
from .. import dtypes as _dt
from ._util import (UnsupportedOperand, as_operand, is_bool, not_implemented_for, operator,
                    promote_pair, register_methods)

__all__ = ["where", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
           "pow", "neg", "negative", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt", "le",
           "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal", "equal",
           "allclose", "isclose", "logical_and", "logical_or", "logical_not", "logical_xor",
           "floor_divide", "remainder", "fmod", "rsub"]


class Add(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _edge_args = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g

    _backward_arrays = backward     # the same on arrays


def _check_sub(a, b):
    if is_bool(a) or is_bool(b):
        if is_bool(a) and is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


class Sub(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _edge_args = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        _check_sub(a, b)
        a, b = promote_pair(a, b)
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)

    _backward_arrays = backward     # the same on arrays (-g: np.negative as Neg's forward)


class Rsub(Function):
    """``number - tensor`` (PyTorch's rsub: one edge, named RsubBackward1)."""
    _array_forward = True
    _builtin = True
    _node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, number):
        _check_sub(number, a)
        b, a = promote_pair(number, a)
        return b - a

    @staticmethod
    def backward(ctx, g):
        return -g, None


class Mul(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _saved_names = ('other', 'self')   # grad_fn._saved_<name>, as PyTorch's
    _edge_args = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        da, db = getattr(a, "dtype", None), getattr(b, "dtype", None)
        if need[0] or need[1]:          # recorded (backward's only reader)
            # Save only the side the other's gradient needs, as the caller's array (a cast
            # copy would cut it off from its history); Python numbers stay plain attributes.
            a_arr, b_arr = da is not None, db is not None
            ctx.save_for_backward(b if need[0] and b_arr else None,
                                  a if need[1] and a_arr else None)
            ctx.numbers = (None if b_arr else b, None if a_arr else a)
        if da is None or da != db:      # arrays of one dtype need no promotion
            a, b = promote_pair(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        nb, na = ctx.numbers
        need = ctx.needs_input_grad
        ga = g * (b if b is not None else nb) if need[0] else None
        gb = g * (a if a is not None else na) if need[1] else None
        return ga, gb

    @staticmethod
    def _backward_arrays(ctx, g):
        # backward's products, promoted and multiplied as Mul.forward does.
        b, a = ctx.saved_arrays
        nb, na = ctx.numbers
        need = ctx.needs_input_grad
        return (_times(*promote_pair(g, nb if b is None else b)) if need[0] else None,
                _times(*promote_pair(g, na if a is None else a)) if need[1] else None)


class Div(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('other', 'self')   # grad_fn._saved_<name>, as PyTorch's
    _edge_args = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        # True division: promote as PyTorch does, then integer results become the default
        # float dtype (int32 / float16 is float16, int / int is float32).
        rt = _dt.result_type(a, b)
        if rt.kind != "f":
            rt = _dt.get_default_dtype().np_dtype
        need = ctx.needs_input_grad
        b_arr = hasattr(b, "dtype")
        a_ = a.astype(rt, copy=False) if hasattr(a, "dtype") else float(a)
        b_ = b.astype(rt, copy=False) if b_arr else float(b)
        with np.errstate(all="ignore"):  # PyTorch gives inf and nan without a warning
            y = a_ / b_
        # The inputs, as PyTorch saves them, not the output (-g * out / b would do for b's
        # gradient): code written for PyTorch may change the quotient in place before backward
        # (``p = x / x.sum(); p[p == 0] = eps``).
        a_arr = hasattr(a, "dtype")
        ctx.save_for_backward(b if b_arr and (need[0] or need[1]) else None,
                              a if need[1] and a_arr else None)
        ctx.numbers = (None if b_arr else b_, None if a_arr else a_)
        return y

    @staticmethod
    def backward(ctx, g):
        b, a = ctx.saved_tensors
        nb, na = ctx.numbers
        b = nb if b is None else b
        need = ctx.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * (na if a is None else a) / (b * b) if need[1] else None
        return ga, gb


class Pow(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('self', 'exponent', 'result')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, a, b):
        a_arr, b_arr = hasattr(a, "dtype"), hasattr(b, "dtype")
        if is_bool(a) and is_bool(b):
            # PyTorch has no bool pow kernel; only its shortcut for a scalar exponent works.
            if b_arr or not a_arr:
                raise not_implemented_for("pow", a if a_arr else b)
            ctx.save_for_backward(None, None, None)
            ctx.numbers = (None, b, None)
            return a.copy() if b else get_array_module(a).ones_like(a)
        a0, b0 = a, b
        a, b = promote_pair(a, b)
        if a_arr and not b_arr and a.dtype.kind in "iub" and isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if b_arr and b.dtype.kind in "iu" and (not a_arr or a.dtype.kind in "iu") and \
                bool((b < 0).any()):
            y = _int_pow_negative(a, b)
        else:
            with np.errstate(all="ignore"):
                y = a ** b
        need = ctx.needs_input_grad
        # The caller's arrays, not promoted copies, so that double backward reaches them.
        ctx.save_for_backward(a0 if a_arr else None, b0 if b_arr else None,
                              y if need[1] else None)
        ctx.numbers = (None if a_arr else a, None if b_arr else b, None)
        return y

    @staticmethod
    def backward(ctx, g):
        # PyTorch's pow_backward_self / pow_backward_exponent, corner cases included.
        a, b, y = ctx.saved_tensors
        sa, sb, _ = ctx.numbers
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


def _int_pow_negative(a, b):
    """Integer powers with negative integer exponents, as PyTorch: 1 and -1 stay +-1, other
    bases give 0 (NumPy refuses them)."""
    xp = get_array_module(b)
    y = a ** xp.where(b < 0, 0, b)
    odd = (b % 2) != 0
    special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(y.dtype)
    return xp.where(b < 0, special, y)


class PowTensor(Pow):
    """``tensor ** tensor``."""
    _node_name = "PowBackward1"


class PowScalarBase(Pow):
    """``number ** tensor``."""
    _node_name = "PowBackward2"


class Where(Function):
    _array_forward = True
    _builtin = True
    _saved_names = ('condition',)   # grad_fn._saved_<name>, as PyTorch's
    _edge_args = (1, 2)   # PyTorch's WhereBackward0 has no edge for the condition

    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype.kind != "b":
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {cond.dtype}")
        a, b = promote_pair(a, b)
        xp = get_array_module(cond, a, b)
        if not hasattr(a, "dtype") and not hasattr(b, "dtype"):
            # Two Python numbers: PyTorch's scalar dtype (a float gives the default float
            # dtype), where NumPy would give float64.
            a = xp.asarray(a, dtype=_dt.result_type(a, b))
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
    _ctx_free = True

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

    _backward_arrays = backward     # the same on arrays


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
    try:
        b = as_operand(b)
    except UnsupportedOperand:
        raise TypeError(f"{cls.__name__.lower()}(): argument 'other' (position 2) must be "
                        f"Tensor, not {type(b).__name__}") from None
    try:
        a = as_operand(a)
    except UnsupportedOperand:
        raise TypeError(f"{cls.__name__.lower()}(): argument 'input' (position 1) must be "
                        f"Tensor, not {type(a).__name__}") from None
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{cls.__name__.lower()}(): argument 'input' (position 1) must be "
                        f"Tensor, not {type(a).__name__}")
    return cls.apply(a, b)


def _op(cls):
    """``tensor <op> other`` for a binary Function: the tensor first, other coerced."""
    apply = cls.apply

    def method(self, other):
        t = type(other)
        if t is Tensor or t is float or t is int:
            return apply(self, other)   # what as_operand would return unchanged
        try:
            other = as_operand(other)
        except UnsupportedOperand:
            return NotImplemented
        return apply(self, other)
    method.__name__ = f"__{cls.__name__.lower()}__"
    return method


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcasting.

    Example::

        >>> gg.add(gg.tensor([1.0, 2.0]), 1.0)
        tensor([2., 3.])
    """
    if alpha != 1:
        other = _scaled(input, other, alpha)
    return _out(_binary(Add, input, other), out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``, broadcasting."""
    if alpha != 1:
        other = _scaled(input, other, alpha)
    return _out(_binary(Sub, input, other), out)


subtract = sub


def _scaled(input, other, alpha):
    """``alpha * other`` for add and sub: a float alpha needs a floating result, as PyTorch."""
    other = as_operand(other)
    if isinstance(alpha, float):
        ops = [x._data if isinstance(x, Tensor) else x for x in (as_operand(input), other)]
        if _dt.result_type(*ops).kind in "biu":
            raise RuntimeError("For integral input tensors, argument alpha must not be a "
                               "floating point number.")
    return other * alpha


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    if alpha != 1:
        input = input * alpha
    return _rsub(input, other)


def mul(input, other, *, out=None):
    """``input * other``, broadcasting."""
    return _out(_binary(Mul, input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other`` (true division; ``rounding_mode='trunc'|'floor'`` as PyTorch)."""
    if rounding_mode is None:
        return _out(_binary(Div, input, other), out)
    _check_int_divisor(*(x._data if isinstance(x, Tensor) else x
                         for x in (as_operand(input), as_operand(other))))
    q = _binary(Div, input, other)
    if rounding_mode == "trunc":
        r = q.trunc()
    elif rounding_mode == "floor":
        r = q.floor()
    else:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
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
    return _out(_pow(input, exponent), out)


def _pow(a, b):
    a, b = as_operand(a), as_operand(b)
    if isinstance(a, Tensor):
        return (PowTensor if isinstance(b, Tensor) else Pow).apply(a, b)
    if isinstance(b, Tensor):
        return PowScalarBase.apply(a, b)
    raise TypeError("expected at least one Tensor operand")


def _rsub(self, other):
    other = as_operand(other)
    if isinstance(other, Tensor):
        return Sub.apply(other, self)
    return Rsub.apply(self, other)


def _rtruediv(self, other):
    # PyTorch computes number / tensor as reciprocal(tensor) * number (same rounding, and
    # the graph is MulBackward0 <- ReciprocalBackward0).
    other = as_operand(other)
    if isinstance(other, Tensor):
        return Div.apply(other, self)
    from .unary import reciprocal
    return Mul.apply(reciprocal(self), other)


def neg(input):
    """``-input``."""
    return Neg.apply(input)


negative = neg


def _tensors_only(cls, input, other, other_position=2):
    """``cls`` on two tensors; a Python number raises, as PyTorch's maximum and minimum do
    (``other_position`` is 1 in the method form, as PyTorch counts it)."""
    name = cls.__name__.lower()
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position {other_position}) must be "
                        f"Tensor, not {type(other).__name__}")
    return _binary(cls, input, other)


def maximum(input, other):
    """Elementwise maximum of two tensors (ties share the gradient).

    Example::

        >>> gg.maximum(gg.tensor([1.0, 3.0]), gg.tensor([2.0, 2.0]))
        tensor([2., 3.])
    """
    return _tensors_only(Maximum, input, other)


def minimum(input, other):
    """Elementwise minimum of two tensors (ties share the gradient)."""
    return _tensors_only(Minimum, input, other)


def fmax(input, other):
    """Elementwise maximum of two tensors; a NaN loses to a number."""
    return _tensors_only(Fmax, input, other)


def fmin(input, other):
    """Elementwise minimum of two tensors; a NaN loses to a number."""
    return _tensors_only(Fmin, input, other)


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
        if fn_name == "floor_divide":
            _check_int_divisor(da, db)
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


def _check_int_divisor(a, b):
    """PyTorch's CPU kernels raise on integer division by zero (NumPy would return 0)."""
    kind = getattr(a, "dtype", getattr(b, "dtype", None))
    if kind is None or kind.kind not in "iub" or getattr(b, "dtype", kind).kind not in "iub":
        return
    if getattr(a, "size", 1) == 0 or getattr(b, "size", 1) == 0:
        return  # nothing is divided
    if (type(b) is np.ndarray and not b.all()) or (type(b) in (int, bool) and b == 0):
        raise RuntimeError("ZeroDivisionError")


def _modulo(fn_name, rounding):
    """``remainder`` / ``fmod``: d/da = 1, d/db = -(a / b rounded to ``rounding``)."""
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        _check_int_divisor(a, b)
        if ctx.needs_input_grad[1]:
            a_arr = hasattr(a, "dtype")
            ctx.save_for_backward(a if a_arr else None, b)
            ctx.number_a = None if a_arr else a
        with np.errstate(all="ignore"):
            return getattr(get_array_module(a, b), fn_name)(a, b)

    def backward(ctx, g):
        need = ctx.needs_input_grad
        gb = None
        if need[1]:
            a, b = ctx.saved_tensors
            gb = -g * div(ctx.number_a if a is None else a, b, rounding_mode=rounding)
        return (g if need[0] else None), gb

    cls = type(fn_name.capitalize(), (Function,), {
        "_array_forward": True, "_builtin": True, "_edge_args": (0, 1),
        "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def op(input, other):
        return _binary(cls, input, other)
    op.__name__ = fn_name
    op.__doc__ = f"Elementwise ``{fn_name}`` (``{rounding}`` rounding of the quotient)."
    return cls, op


Remainder, remainder = _modulo("remainder", "floor")
Fmod, fmod = _modulo("fmod", "trunc")
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
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (tensors of one dtype)."""
    if isinstance(other, Tensor) and other._data.dtype != input._data.dtype:
        raise RuntimeError(f"{_dt.torch_name(input._data.dtype)} did not match "
                           f"{_dt.torch_name(other._data.dtype)}")
    xp = get_array_module(input._data)
    return _make(xp.isclose(input._data, as_operand(other)._data if isinstance(
        other, Tensor) else other, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element is close (``|a - b| <= atol + rtol * |b|``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _make(get_array_module(self._data).invert(self._data))


def _reflected(fn):
    def r(self, other):
        return fn(as_operand(other), self)
    return r


register_methods(
    add=add, sub=sub, subtract=sub, mul=mul, multiply=mul, div=div, divide=div,
    true_divide=div, pow=pow, neg=neg, negative=neg,
    maximum=lambda self, other: _tensors_only(Maximum, self, other, 1),
    minimum=lambda self, other: _tensors_only(Minimum, self, other, 1),
    fmax=lambda self, other: _tensors_only(Fmax, self, other, 1),
    fmin=lambda self, other: _tensors_only(Fmin, self, other, 1),
    where=lambda self, condition, other: where(condition, self, other),
    # Reflected add and mul keep the tensor first (they commute), as PyTorch's graph does.
    __add__=_op(Add), __radd__=_op(Add), __sub__=_op(Sub), __rsub__=operator(_rsub),
    __mul__=_op(Mul), __rmul__=_op(Mul), __truediv__=_op(Div),
    __rtruediv__=operator(_rtruediv), __pow__=operator(_pow),
    __rpow__=operator(lambda s, o: _pow(o, s)),
    __neg__=neg, __pos__=lambda s: s, __invert__=_invert,
    __floordiv__=operator(floor_divide), __rfloordiv__=operator(_reflected(floor_divide)),
    __mod__=operator(remainder), __rmod__=operator(_reflected(remainder)),
    __eq__=operator(eq), __ne__=operator(ne), __lt__=operator(lt), __le__=operator(le),
    __gt__=operator(gt), __ge__=operator(ge), __and__=operator(_bitwise_and),
    __or__=operator(_bitwise_or), __xor__=operator(_bitwise_xor),
    __rand__=operator(_reflected(_bitwise_and)), __ror__=operator(_reflected(_bitwise_or)),
    __rxor__=operator(_reflected(_bitwise_xor)),
    eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, greater=gt, less=lt, greater_equal=ge,
    less_equal=le, not_equal=ne, equal=equal, isclose=isclose, allclose=allclose,
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    logical_not=logical_not, floor_divide=floor_divide, remainder=remainder, fmod=fmod,
)
