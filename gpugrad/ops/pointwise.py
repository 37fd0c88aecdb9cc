"""Elementwise ops of two or three inputs built on the arithmetic and unary ones: lerp,
addcmul, addcdiv, atan2, hypot, xlogy, logit, logaddexp, degrees and radians.

Most are compositions of differentiable ops, so their gradients (and second derivatives)
come from those; atan2 has its own backward.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make
from ._util import as_operand, not_implemented_for, promote_pair, register_methods, to_float
from .arithmetic import (_bitwise_and, _bitwise_or, _bitwise_xor, _invert, _nograd_binary,
                         _reflected, _tensors_only, maximum, where)
from ._util import operator

__all__ = ["lerp", "addcmul", "addcdiv", "atan2", "arctan2", "hypot", "xlogy", "logit",
           "logaddexp", "sgn", "deg2rad", "rad2deg", "isin", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift"]


def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor.

    Example::

        >>> gg.lerp(gg.tensor([0.0, 2.0]), gg.tensor([4.0, 4.0]), 0.5)
        tensor([2., 3.])
    """
    if input.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {_dt.torch_name(input._data.dtype).lower()} for "
                           f"`end` but got dtype {_dt.torch_name(end._data.dtype).lower()}")
    if not input.dtype.is_floating_point:
        raise not_implemented_for("lerp_kernel_scalar", input._data)
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``, broadcasting."""
    prod = tensor1 * tensor2
    return input + (prod * value if value != 1 else prod)


_ADDCDIV_INT = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
    "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
    "be implemented as (input + value * gpugrad.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
    "for all dtypes.")


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``, broadcasting (float tensors only)."""
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(_ADDCDIV_INT)
    quot = tensor1 / tensor2
    return input + (quot * value if value != 1 else quot)


class Atan2(Function):
    """The angle of the point (other, input), in (-pi, pi]."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = promote_pair(a, b)
        a, b = to_float(a), to_float(b)
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).arctan2(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        scaled = g / (a * a + b * b)
        return (scaled * b if need[0] else None), (-scaled * a if need[1] else None)


def atan2(input, other):
    """Elementwise ``atan(input / other)`` with the quadrant of (other, input).

    Example::

        >>> gg.atan2(gg.tensor([1.0]), gg.tensor([-1.0]))
        tensor([2.3562])
    """
    return _tensors_only(Atan2, input, other)


arctan2 = atan2


def hypot(input, other):
    """``sqrt(input ** 2 + other ** 2)``, elementwise."""
    return (input * input + other * other).sqrt()


class Xlogy(Function):
    """``x * log(y)``, 0 where x is 0 (unless y is NaN). Subclasses change the logarithm
    (``_log``) and where its argument leaves the domain (``_pole``: log1p's is -1)."""
    _array_forward = True
    _builtin = True
    _log = "log"
    _pole = 0

    @classmethod
    def forward(cls, ctx, x, y):
        x, y = promote_pair(x, y)
        x = to_float(x)
        y = to_float(y) if hasattr(y, "dtype") else y
        xp = get_array_module(x, y)
        with np.errstate(all="ignore"):      # log(0) and 0 * inf: IEEE results, no warning
            out = x * getattr(xp, cls._log)(y)
        out = xp.where((x == 0) & ~xp.isnan(y), x.dtype.type(0), out).astype(x.dtype)
        ctx.save_for_backward(x, y if hasattr(y, "dtype") else None)
        ctx.scalar = None if hasattr(y, "dtype") else y
        return out

    @classmethod
    def backward(cls, ctx, g):
        x, y = ctx.saved_tensors
        y = ctx.scalar if y is None else y
        need = ctx.needs_input_grad
        gx = gy = None
        if need[0]:
            if isinstance(y, Tensor):
                log_y = getattr(y, cls._log)()
            else:
                log_y = getattr(math, cls._log)(y) if y > cls._pole else float("nan")
            # PyTorch's convention: where x is 0 and y is outside the log's domain (or on its
            # pole), the gradient for x is 0 rather than NaN or -inf.
            gx = where((x == 0) & (y <= cls._pole), 0.0, g * log_y)
        if need[1]:
            gy = g * x / (y - cls._pole)
        return gx, gy


def xlogy(input, other):
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN); either
    side may be a number, as in PyTorch.

    Example::

        >>> gg.xlogy(gg.tensor([0.0, 2.0]), gg.tensor([0.0, 1.0]))
        tensor([0., 0.])
    """
    input, other = as_operand(input), as_operand(other)
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError("xlogy(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        input = other.new_tensor(input)
    return Xlogy.apply(input, other)


def logit(input, eps=None):
    """``log(p / (1 - p))``; with ``eps``, p is first clamped to [eps, 1 - eps]."""
    if eps is not None:
        input = input.clamp(eps, 1 - eps)
    return (input / (1 - input)).log()


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow."""
    # Shift by the larger operand (held constant: the gradient is the softmax weight of each
    # side either way); an infinite maximum would make the shifted values NaN, so shift by 0.
    m = maximum(input, other).detach()
    m = where(m.isinf(), 0.0, m)
    return m + ((input - m).exp() + (other - m).exp()).log()


def sgn(input):
    """The sign of each element (for real tensors, as :func:`gpugrad.sign`)."""
    return input.sign()


def deg2rad(input):
    """Degrees to radians."""
    return input * (math.pi / 180)


def rad2deg(input):
    """Radians to degrees."""
    return input * (180 / math.pi)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` is in ``test_elements`` (either may be a number).

    Example::

        >>> gg.isin(gg.tensor([1, 2, 3]), gg.tensor([2, 5]))
        tensor([False,  True, False])
    """
    from .creation import tensor
    ref = elements if isinstance(elements, Tensor) else test_elements
    a, b = (x if isinstance(x, Tensor) else tensor(x, device=ref.device)
            for x in (elements, test_elements))
    xp = get_array_module(a._data, b._data)
    return _make(xp.isin(a._data, b._data, invert=invert))


bitwise_and, bitwise_or, bitwise_xor = _bitwise_and, _bitwise_or, _bitwise_xor


def bitwise_not(input):
    """Elementwise NOT of an integer or bool tensor (``~input``)."""
    if input._data.dtype.kind == "f":
        raise not_implemented_for("bitwise_not_cpu", input._data)
    return _invert(input)


def _shift(name, fn_name):
    """``<<`` or ``>>`` on integer tensors, with PyTorch's integer promotion."""
    shift = _nograd_binary(fn_name)

    def op(input, other):
        for x in (input, other):
            if isinstance(x, Tensor) and x._data.dtype.kind == "f" or isinstance(x, float):
                raise not_implemented_for(name, x._data if isinstance(x, Tensor)
                                          else np.float32(x))
        return shift(input, other)
    op.__name__ = f"bitwise_{fn_name}"
    op.__doc__ = f"Elementwise ``{fn_name.replace('_', ' ')}`` of integer tensors."
    return op


bitwise_left_shift = _shift("lshift_cpu", "left_shift")
bitwise_right_shift = _shift("rshift_cpu", "right_shift")


def _atan2_method(self, other):
    return _tensors_only(Atan2, self, other, 1)


register_methods(
    lerp=lerp, addcmul=addcmul, addcdiv=addcdiv, atan2=_atan2_method, arctan2=_atan2_method,
    hypot=hypot, xlogy=xlogy, logit=logit, logaddexp=logaddexp, sgn=sgn, deg2rad=deg2rad,
    rad2deg=rad2deg, bitwise_and=bitwise_and, bitwise_or=bitwise_or, bitwise_xor=bitwise_xor,
    bitwise_not=bitwise_not, bitwise_left_shift=bitwise_left_shift,
    bitwise_right_shift=bitwise_right_shift, __lshift__=operator(bitwise_left_shift),
    __rshift__=operator(bitwise_right_shift),
    __rlshift__=operator(_reflected(bitwise_left_shift)),
    __rrshift__=operator(_reflected(bitwise_right_shift)),
)
