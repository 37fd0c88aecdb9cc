"""More normalizations: instance_norm, rms_norm, local_response_norm (and the legacy
cross-map LRN behind ``nn.CrossMapLRN2d``), as ``torch.nn.functional``'s.

``instance_norm`` is batch norm's computation (:class:`ops.normalization._Normalize`) with
statistics per (sample, channel); its running statistics, where given, are updated with the
batch average of the per-instance ones, as PyTorch's. ``rms_norm`` and the LRNs are written in
gpugrad ops, as PyTorch writes them, so every derivative order follows.

Example::

    >>> y = instance_norm(gg.randn(2, 3, 8))
    >>> abs(y[0, 0].mean().item()) < 1e-6
    True
"""
import operator

import numpy as np

from .. import dtypes as _dt
from ..tensor import Size, _wrap_dim
from .creation import tensor as _tensor
from .normalization import NormSpec, _Normalize
from .padding import pad

__all__ = ["instance_norm", "rms_norm", "local_response_norm"]


class NativeInstanceNorm(_Normalize):
    """Instance normalization: per (sample, channel) statistics over the spatial dims."""


def _verify_spatial_size(shape):
    size = 1
    for s in shape[2:]:
        size *= s
    if size == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{Size(shape)}")


def _param_dtypes(input, *params):
    """PyTorch's CPU rules for parameters whose dtype differs from the input's: float16 input
    takes float32 parameters (cast down here); other mixes raise."""
    dt = input._data.dtype
    for t in params:
        if t is None or t._data.dtype == dt:
            continue
        if dt == np.float16 and t._data.dtype == np.float32:
            continue
        if dt == np.float64:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        # PyTorch names the computing type: Float for float16 input too.
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    return tuple(None if t is None or t._data.dtype == dt else t.to(input.dtype)
                 for t in params)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample over its spatial dims, then a per-channel affine.

    With ``use_input_stats`` (the default) the statistics are the input's, and given
    ``running_mean`` / ``running_var`` are updated in place with their batch average
    (``momentum``, unbiased variance); without, the running statistics are used.

    Example::

        >>> instance_norm(gg.tensor([[[1.0, 3.0], [0.0, 4.0]]]))
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
    """
    if use_input_stats:
        _verify_spatial_size(tuple(input.shape))
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be "
                         "None")
    _wrap_dim(1, input.ndim)
    if input.numel() == 0:
        return input.clone()
    n, c = input.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {n * c} elements not {t.numel() * n}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"batch_norm\" not implemented for "
                                  f"'{_dt.torch_name(input._data.dtype)}'")
    weight, bias = (w if cast is None else cast
                    for w, cast in zip((weight, bias), _param_dtypes(input, weight, bias)))
    spatial = input.numel() // (n * c)
    spec = NormSpec((n, c, spatial), (2,), (1, c, 1), eps)
    stats = (None, None) if running_mean is None else (running_mean._data, running_var._data)
    y = NativeInstanceNorm.apply(input, weight, bias, *stats, spec, bool(use_input_stats),
                                 momentum)
    if use_input_stats and running_mean is not None:
        running_mean._version[0] += 1
        running_var._version[0] += 1
    return y


def _shape_arg(fn, value):
    """``normalized_shape`` as a tuple of ints, with PyTorch's TypeErrors."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(value).__name__}")
    out = []
    for i, v in enumerate(value):
        try:
            if isinstance(v, float):
                raise TypeError
            out.append(operator.index(v))
        except TypeError:
            raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of "
                            f"ints, but found element of type {type(v).__name__} at pos {i}"
                            ) from None
    return tuple(out)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last ``len(normalized_shape)`` dims.

    ``eps=None`` is the machine epsilon of the computing dtype (float32 for float16 input,
    which is computed in float32 and rounded back, as PyTorch). The output has the input's
    dtype.

    Example::

        >>> rms_norm(gg.tensor([[3.0, 4.0]]), [2], eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    shape = _shape_arg("rms_norm", normalized_shape)
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    if input.ndim < k:
        raise ValueError(f"Input tensor must have at least {k} dimensions, but got {input.ndim}")
    if tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"rms_norm\" not implemented for "
                                  f"'{_dt.torch_name(input._data.dtype)}'")
    x = input if input.dtype != _dt.float16 else input.to(_dt.float32)
    if eps is None:
        eps = _dt.finfo(x.dtype).eps
    dims = tuple(range(input.ndim - k, input.ndim))
    y = x * ((x * x).mean(dims, keepdim=True) + eps).rsqrt()
    if y.dtype != input.dtype:
        y = y.to(input.dtype)
    if weight is not None:
        y = y * (weight if weight.dtype == input.dtype else weight.to(input.dtype))
    return y


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide each element by ``(k + alpha * mean of the squares of its channel window) **
    beta``, the window being ``size`` channels (dim 1) around it, zero-padded at the ends.

    Example::

        >>> local_response_norm(gg.ones(1, 3, 1), 2, alpha=1.0, beta=1.0, k=1.0).flatten()
        tensor([0.6667, 0.5000, 0.5000])
    """
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    if size <= 0:
        kernel = f"kH: {size} kW: 1" if dim == 3 else f"kT: {size} kH: 1 kW: 1"
        raise RuntimeError(f"kernel size should be greater than zero, but got {kernel}")
    c = input.shape[1]
    sq = input * input
    # Zero padding along the channels only: size // 2 before, (size - 1) // 2 after.
    padded = pad(sq, [0, 0] * (dim - 2) + [size // 2, (size - 1) // 2])
    total = padded[:, 0:c]
    for j in range(1, size):
        total = total + padded[:, j:j + c]
    div = (total / size * alpha + k) ** beta
    return input / div


def _cross_map_matrix(c, size):
    """Which channels' squares the legacy CrossMapLRN2d sums for each channel: a (C, C) 0/1
    matrix reproducing its running-window loop, quirk included (past the first
    ``pre_pad + 1`` channels, channel 0 is never subtracted again)."""
    pre_pad = int((size - 1) / 2 + 1)
    m = np.zeros((c, c))
    for ch in range(c):
        m[ch, :min(ch + pre_pad, c)] = 1
        m[ch, 1:max(ch - pre_pad + 1, 1)] = 0
    return m


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1):
    """``nn.CrossMapLRN2d``'s forward (PyTorch's legacy ``_functions.CrossMapLRN2d``), in
    gpugrad ops: its gradient is the exact one of this forward. (PyTorch's hand-written
    backward is the symmetric-window LRN's, which does not match its own forward.)"""
    if input.ndim != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
    n, c, h, w = input.shape
    m = _tensor(_cross_map_matrix(c, size), dtype=input.dtype, device=input.device)
    sq = (input * input).reshape(n, c, h * w)
    scale = (m @ sq).reshape(n, c, h, w) * (alpha / size) + k
    return input * scale ** (-beta)
