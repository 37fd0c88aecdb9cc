"""Alpha dropout, as ``torch.nn.functional.alpha_dropout`` / ``feature_alpha_dropout``.

Dropped elements (or whole channels) are set to SELU's negative saturation value and the
result is rescaled so that zero mean and unit variance survive, keeping a self-normalising
network self-normalising. Draws the keep-mask from gpugrad's default generator for the input's
device (``gg.manual_seed``); the op itself is a multiply-add with that mask, so its gradient
is ``g * mask * a``.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.alpha_dropout(gg.ones(3), 0.5, training=False)
    tensor([1., 1., 1.])
"""
import math

from .. import dtypes as _dt
from .activation import _maybe_inplace
from .dropout import _check_p

__all__ = ["alpha_dropout", "feature_alpha_dropout"]

# -SELU_scale * SELU_alpha: where SELU saturates for very negative inputs.
_ALPHA = 1.7580993408473766


def _alpha_dropout(input, p, noise_shape):
    if p == 1:
        # PyTorch multiplies by zero here (NaN and inf stay NaN), with no draw.
        return input * 0
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_dt.torch_name(input._data.dtype)}")
    from .creation import bernoulli, full
    keep = bernoulli(full(noise_shape, 1 - p, dtype=input.dtype, device=input.device))
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return input * (keep * a) + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of single elements while ``training``; the identity otherwise.

    Example::

        >>> y = F.alpha_dropout(gg.randn(1000), 0.2, training=True)
        >>> y.shape
        gpugrad.Size([1000])
    """
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    return _maybe_inplace(input, inplace, _alpha_dropout, p, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dim 1) while ``training``; the identity otherwise.

    Example::

        >>> F.feature_alpha_dropout(gg.randn(2, 4, 3), 0.5, training=True).shape
        gpugrad.Size([2, 4, 3])
    """
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    noise = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _maybe_inplace(input, inplace, _alpha_dropout, p, noise)
