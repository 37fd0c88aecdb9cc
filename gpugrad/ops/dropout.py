"""Dropout: elementwise, and whole channels (dropout1d/2d/3d, feature_dropout).

Draws from gpugrad's default generator for the input's device and saves only a bool keep-mask,
never the input.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.dropout(gg.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
"""
import warnings

import numpy as np

from ..autograd.function import Function
from ..backend import device_of, get_array_module
from ..backend.kernels import launch
from ..random import _generator_for
from .activation import _maybe_inplace, check_float

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "feature_dropout"]


# ------------------------------------------------------------------ dropout
class Dropout(Function):
    """Zero elements with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    ``noise_shape`` broadcasts against the input (whole channels for dropout2d). Saves only
    the bool keep-mask, never the input.
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, p, noise_shape):
        check_float("dropout", x)
        xp = get_array_module(x)
        scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
        if p >= 1:
            u = xp.zeros(noise_shape, x.dtype)      # no draw needed: nothing is kept
        else:
            gen = _generator_for(device_of(x))
            draw = np.float32 if x.dtype == np.float16 else x.dtype
            u = gen._draw("rand", noise_shape, draw).astype(x.dtype, copy=False)
        if tuple(noise_shape) == x.shape:
            mask, y = launch("dropout_fwd", x, u, p, scale)
        else:
            mask = u >= x.dtype.type(p)
            y = launch("dropout_bwd", x, mask, scale)   # the same x * (mask ? scale : 0)
        ctx.scale = scale
        ctx.save_for_backward(mask)
        return y

    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return DropoutBackward.apply(g, mask, ctx.scale), None, None


class DropoutBackward(Function):
    """``g * (mask ? scale : 0)`` as one fused kernel; linear in g, so its own gradient too."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, mask, scale):
        ctx.scale = scale
        ctx.save_for_backward(mask)
        return launch("dropout_bwd", g, mask, scale)

    @staticmethod
    def backward(ctx, gg_):
        mask, = ctx.saved_tensors
        return DropoutBackward.apply(gg_, mask, ctx.scale), None, None


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Randomly zero elements with probability ``p`` while training; identity otherwise.

    Draws from gpugrad's default generator for the input's device (``gg.manual_seed``).

    Example::

        >>> F.dropout(gg.ones(4), p=0.5, training=False)
        tensor([1., 1., 1., 1.])
    """
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _maybe_inplace(input, inplace, Dropout.apply, float(p), input.shape)


def feature_dropout(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (dim 1) of a batched input with probability ``p``."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    noise = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _maybe_inplace(input, inplace, Dropout.apply, float(p), noise)


def _channel_dropout(name, spatial, input, p, training, inplace):
    nd = input.ndim
    batched = nd == spatial + 2
    if name == "dropout1d" and nd not in (2, 3):
        raise RuntimeError("dropout1d: Expected 2D or 3D input, but received a {}D input. Note "
                           "that dropout1d exists to provide channel-wise dropout on inputs "
                           "with 1 spatial dimension, a channel dimension, and an optional "
                           "batch dimension (i.e. 2D or 3D inputs).".format(nd))
    if name == "dropout2d" and nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise"
                      " 1D dropout behavior is desired - input is interpreted as shape (N, C, L),"
                      " where C is the channel dim. This behavior will change in a future release"
                      " to interpret the input as one without a batch dimension, i.e. shape (C, "
                      "H, W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", UserWarning, stacklevel=3)
        batched = True
    elif nd not in (spatial + 1, spatial + 2):
        warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will "
                      f"result in an error in a future release. To retain the behavior and "
                      f"silence this warning, please use dropout instead. Note that {name} "
                      f"exists to provide channel-wise dropout on inputs with {spatial} spatial "
                      f"dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", UserWarning, stacklevel=3)
        batched = True
    if batched:
        return feature_dropout(input, p, training, inplace)
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    noise = (input.shape[0],) + (1,) * (nd - 1)
    return _maybe_inplace(input, inplace, Dropout.apply, float(p), noise)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input."""
    return _channel_dropout("dropout1d", 1, input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an ``(N, C, H, W)`` or ``(C, H, W)`` input."""
    return _channel_dropout("dropout2d", 2, input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    return _channel_dropout("dropout3d", 3, input, p, training, inplace)
