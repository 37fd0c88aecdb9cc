"""Weight initialisation in place, as ``torch.nn.init``.

Every function writes into the tensor's storage without recording (as under ``no_grad``),
bumps its version, and returns it. Random ones draw from gpugrad's default generator for the
tensor's device (seeded by ``gg.manual_seed``) unless ``generator=`` is given.

Example::

    >>> w = gg.empty(3, 5)
    >>> gg.nn.init.kaiming_uniform_(w, a=math.sqrt(5)).shape
    gpugrad.Size([3, 5])
"""
import math
import warnings

import numpy as np

from ..backend import get_array_module
from ..random import _generator_for

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (``'relu'`` -> sqrt(2), ``'tanh'`` -> 5/3, ...).

    Example::

        >>> gg.nn.init.calculate_gain("relu")
        1.4142135623730951
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _default_reset_(weight, bias):
    """PyTorch's default for Linear and conv layers: ``kaiming_uniform_(a=sqrt(5))`` on the
    weight, the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def _write(tensor, values):
    """Store values (an array of either module, or a scalar) into tensor; bump its version."""
    data = tensor._data
    xp = get_array_module(data)
    if hasattr(values, "dtype") and get_array_module(values) is not xp:
        values = xp.asarray(values) if xp is not np else values.get()
    data[...] = values
    tensor._version[0] += 1
    return tensor


def _draw(tensor, kind, generator):
    """Samples of tensor's shape, drawn in float64 (or float32) and cast to its dtype."""
    gen = _generator_for(tensor.device, generator)
    dtype = tensor._data.dtype
    draw = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    return gen._draw(kind, tuple(tensor.shape), draw)


def _no_op_if_empty(tensor):
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b).

    Example::

        >>> gg.nn.init.uniform_(gg.empty(2), -1.0, 1.0).shape
        gpugrad.Size([2])
    """
    u = _draw(tensor, "rand", generator)
    u *= b - a
    u += a
    return _write(tensor, u)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std**2)."""
    n = _draw(tensor, "randn", generator)
    n *= std
    n += mean
    return _write(tensor, n)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std**2) samples restricted to [a, b] (resampling those outside)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    out = _draw(tensor, "randn", generator) * std + mean
    xp = get_array_module(out)
    # Rejection: redraw what fell outside; the clip only matters for absurd [a, b].
    for _ in range(100):
        todo = (out < a) | (out > b)
        if not bool(todo.any()):
            break
        out = xp.where(todo, _draw(tensor, "randn", generator) * std + mean, out)
    return _write(tensor, xp.clip(out, a, b))


def constant_(tensor, val):
    """Fill with ``val``."""
    return _write(tensor, val)


def ones_(tensor):
    return _write(tensor, 1)


def zeros_(tensor):
    return _write(tensor, 0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    xp = get_array_module(tensor._data)
    return _write(tensor, xp.eye(*tensor.shape, dtype=tensor._data.dtype))


def dirac_(tensor, groups=1):
    """Fill a 3-5-D convolution weight so that the convolution is the identity per group."""
    dims = tensor.ndim
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    xp = get_array_module(tensor._data)
    w = xp.zeros(tuple(sizes), dtype=tensor._data.dtype)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(out_per_group, sizes[1])):
            w[(g * out_per_group + d, d) + centre] = 1
    return _write(tensor, w)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))`` (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He); Linear's default uses ``a=sqrt(5)``.

    Example::

        >>> w = gg.nn.init.kaiming_uniform_(gg.empty(4, 100), nonlinearity="relu")
        >>> bool(w.abs().max() <= math.sqrt(6 / 100))
        True
    """
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std**2) with ``std = gain / sqrt(fan)`` (He)."""
    if _no_op_if_empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix from the QR decomposition of a normal sample."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    gen = _generator_for(tensor.device, generator)
    flat = gen._draw("randn", (rows, cols), np.float64)
    xp = get_array_module(flat)
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    # Signs from r's diagonal make the result uniform over orthogonal matrices.
    q *= xp.sign(xp.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tuple(tensor.shape)))
