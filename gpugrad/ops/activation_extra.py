"""More activations, as ``torch.nn.functional`` has them: glu, hardshrink, softshrink,
threshold(_), rrelu(_), celu_, selu_ and gumbel_softmax.

Each is a composition of differentiable ops (``where`` and friends), so gradients of every
order come for free; randomness (rrelu while training, gumbel_softmax) draws from gpugrad's
default generator for the input's device (``gg.manual_seed``).

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.softshrink(gg.tensor([-1.0, 0.2, 2.0]), 0.5)
    tensor([-0.5000,  0.0000,  1.5000])
"""
import warnings

import numpy as np

from .. import dtypes as _dt
from ..tensor import _wrap_dim
from .activation import _maybe_inplace, celu, check_float, leaky_relu, selu, softmax
from .arithmetic import where

__all__ = ["glu", "hardshrink", "softshrink", "threshold", "threshold_", "rrelu", "rrelu_",
           "celu_", "selu_", "gumbel_softmax"]


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves of ``input`` on
    ``dim``.

    Example::

        >>> F.glu(gg.tensor([1.0, 0.0]))
        tensor([0.5000])
    """
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    check_float("glu_cpu", input._data)
    axis = _wrap_dim(dim, input.ndim)
    n = input.shape[axis]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {n}")
    a, b = input.split(n // 2, axis)
    return a * b.sigmoid()


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0 (NaN stays NaN).

    Example::

        >>> F.hardshrink(gg.tensor([-1.0, 0.2, 2.0]))
        tensor([-1.,  0.,  2.])
    """
    check_float("hardshrink_cpu", input._data)
    # As PyTorch: zero only where -lambd <= x <= lambd, so NaN passes through.
    return where((input >= -lambd) & (input <= lambd), 0.0, input)


def softshrink(input, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Example::

        >>> F.softshrink(gg.tensor([-1.0, 0.2, 2.0]))
        tensor([-0.5000,  0.0000,  1.5000])
    """
    check_float("softshrink_check", input._data)
    dtype = input._data.dtype
    top = float(np.finfo(dtype).max)
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{_dt.torch_name(dtype)}, but found {lambd:g}")
    # ``input * 0`` keeps NaN (and the sign of zero) in the dead zone, as PyTorch's kernel.
    return where(input > lambd, input - lambd,
                 where(input < -lambd, input + lambd, input * 0))


def _threshold(input, threshold, value):
    if input._data.dtype.kind in "iu":
        # PyTorch casts both scalars to the input's integer type first (truncating).
        threshold, value = int(threshold), int(value)
    return where(input <= threshold, value, input)


def threshold(input, threshold, value, inplace=False):
    """``value`` where ``input <= threshold``, else ``input``.

    Example::

        >>> F.threshold(gg.tensor([0.1, 0.5, 2.0]), 0.5, -1.0)
        tensor([-1., -1.,  2.])
    """
    return _maybe_inplace(input, inplace, _threshold, threshold, value)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return _maybe_inplace(input, True, _threshold, threshold, value)


def _rrelu_train(input, lower, upper):
    from .creation import rand_like
    # One slope per element from U(lower, upper), used where x <= 0 (the noise PyTorch keeps
    # for the backward is exactly this factor).
    slope = rand_like(input) * (upper - lower) + lower
    return where(input <= 0, input * slope, input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: slope ``U(lower, upper)`` per negative element while training,
    the mean slope ``(lower + upper) / 2`` otherwise.

    Example::

        >>> F.rrelu(gg.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        check_float("leaky_relu_cpu", input._data)
        return leaky_relu(input, (lower + upper) / 2, inplace)
    check_float("rrelu_with_noise_out_cpu", input._data)
    return _maybe_inplace(input, inplace, _rrelu_train, lower, upper)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, True)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return celu(input, alpha, True)


def selu_(input):
    """In-place :func:`selu`."""
    return selu(input, True)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Softmax of ``(logits + Gumbel noise) / tau`` on ``dim``: a differentiable sample of a
    categorical. With ``hard=True`` the result is one-hot, with the soft sample's gradient
    (straight-through).

    Example::

        >>> y = F.gumbel_softmax(gg.randn(2, 5), tau=0.5, hard=True)
        >>> y.sum(-1).tolist()
        [1.0, 1.0]
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if logits._data.dtype.kind != "f":
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_dt.torch_name(logits._data.dtype)}")
    from .creation import rand_like, zeros_like
    # Exp(1) noise by inversion, -log(1 - u) with u in [0, 1); Gumbel(0, 1) = -log(Exp(1)).
    # u == 0 happens (once in 2**24 float32 draws) and would give an infinite Gumbel sample:
    # the noise is kept above the smallest normal number instead, as an exponential draw
    # never returns 0.
    u = rand_like(logits.detach())
    tiny = float(np.finfo(logits._data.dtype).tiny)
    gumbels = -(-(1 - u).log()).clamp_min(tiny).log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
