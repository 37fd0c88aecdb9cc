"""Normalization: batch_norm, layer_norm, group_norm.

All three are one computation: view the input so that the statistics are a mean over some
axes, normalize, then scale and shift per feature. :class:`Normalize` does it in one pass of
array code and saves the input plus the (small) mean and 1/std; its backward is written in
gpugrad ops. For ``create_graph=True`` the statistics are recomputed from the input inside
backward, so that second derivatives see their dependence on it.

Example::

    >>> x = gg.randn(8, 3, 4, 4)
    >>> y = batch_norm(x, None, None, training=True)
    >>> abs(y.mean().item()) < 1e-6
    True
"""
from collections import namedtuple

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import _tls
from ..backend import get_array_module

__all__ = ["batch_norm", "layer_norm", "group_norm"]

# view: the shape the statistics are taken in; axes: their reduction axes in that view;
# affine: the weight/bias broadcast shape in the input's shape; affine_axes: the input's
# axes a weight/bias gradient sums over.
NormSpec = namedtuple("NormSpec", "view axes affine affine_axes eps")


class _Normalize(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over ``spec``; with ``mean``/``var``
    given (batch norm in eval mode) those are used instead of the input's statistics.

    In training with running stats, those arrays are updated in place with ``momentum``
    (the unbiased variance, as PyTorch).
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, spec, use_input_stats,
                momentum):
        xp = get_array_module(x)
        xv = x.reshape(spec.view)
        if use_input_stats:
            mean = xv.mean(axis=spec.axes, keepdims=True)
            xc = xv - mean
            var = (xc * xc).mean(axis=spec.axes, keepdims=True)
            if running_mean is not None:
                n = xv.size // mean.size
                m = momentum
                rm, rv = running_mean, running_var
                rm *= 1 - m
                rm += (m * mean.reshape(rm.shape)).astype(rm.dtype, copy=False)
                rv *= 1 - m
                rv += (m * n / max(n - 1, 1) * var.reshape(rv.shape)).astype(rv.dtype,
                                                                           copy=False)
        else:
            stat_shape = [1] * len(spec.view)
            stat_shape[1] = -1
            # Copies: backward must not see later in-place updates of the running stats.
            mean = running_mean.reshape(stat_shape).astype(x.dtype)
            var = running_var.reshape(stat_shape).astype(x.dtype)
            xc = xv - mean
        invstd = 1 / xp.sqrt(var + spec.eps)
        xc *= invstd
        y = xc.reshape(x.shape)
        if weight is not None:
            y *= weight.reshape(spec.affine)
        if bias is not None:
            y += bias.reshape(spec.affine)
        need = ctx.needs_input_grad
        ctx.spec, ctx.use_input_stats = spec, use_input_stats
        if need[0] or need[1]:
            ctx.save_for_backward(x, weight if need[0] else None, mean, invstd)
        return y

    @staticmethod
    def backward(ctx, g):
        spec, need = ctx.spec, ctx.needs_input_grad
        gx = gw = gb = None
        if need[2]:
            gb = g.sum(dim=spec.affine_axes)
        if not (need[0] or need[1]):
            return gx, gw, gb, None, None, None, None, None
        x, w, mean, invstd = ctx.saved_tensors
        xv = x.reshape(spec.view)
        if ctx.use_input_stats and _tls.grad_enabled:
            # create_graph: statistics as functions of x, so that they are differentiated too.
            mean = xv.mean(dim=spec.axes, keepdim=True)
            var = ((xv - mean) ** 2).mean(dim=spec.axes, keepdim=True)
            invstd = (var + spec.eps).rsqrt()
        xhat = (xv - mean) * invstd
        if need[1]:
            gw = (g * xhat.reshape(x.shape)).sum(dim=spec.affine_axes)
        if need[0]:
            gxhat = g * w.reshape(spec.affine) if w is not None else g
            gv = gxhat.reshape(spec.view)
            if ctx.use_input_stats:
                gv = gv - gv.mean(dim=spec.axes, keepdim=True) - xhat * (gv * xhat).mean(
                    dim=spec.axes, keepdim=True)
            gx = (gv * invstd).reshape(x.shape)
        return gx, gw, gb, None, None, None, None, None


class NativeBatchNorm(_Normalize):
    """Batch normalization (node ``NativeBatchNormBackward0``, as PyTorch's)."""


class NativeLayerNorm(_Normalize):
    """Layer normalization (node ``NativeLayerNormBackward0``)."""


class NativeGroupNorm(_Normalize):
    """Group normalization (node ``NativeGroupNormBackward0``)."""


def _check_dtypes(input, *tensors):
    for t in tensors:
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"normalization\" not implemented for "
                           f"'{_dt.torch_name(input._data.dtype)}'")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel (dim 1) over the batch and spatial dims.

    In training the batch statistics are used and, where given, ``running_mean`` /
    ``running_var`` are updated in place: ``running = (1 - momentum) * running + momentum *
    stat``, with the unbiased batch variance. In eval the running statistics are used.

    Example::

        >>> rm, rv = gg.zeros(3), gg.ones(3)
        >>> y = batch_norm(gg.randn(4, 3), rm, rv, training=True)
        >>> rm.abs().sum().item() > 0
        True
    """
    if input.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {input.ndim}D input)")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be "
                           f"defined in evaluation mode")
    if training:
        per_channel = input.numel() // c if c else 0
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
    _check_dtypes(input, weight, bias)
    nd = input.ndim
    affine = (1, c) + (1,) * (nd - 2)
    axes = (0,) + tuple(range(2, nd))
    spec = NormSpec(input.shape, axes, affine, axes, eps)
    stats = (running_mean._data if running_mean is not None else None,
             running_var._data if running_var is not None else None)
    y = NativeBatchNorm.apply(input, weight, bias, *stats, spec, training, momentum)
    if training and running_mean is not None:
        running_mean._version[0] += 1
        running_var._version[0] += 1
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last ``len(normalized_shape)`` dims, then an elementwise affine.

    Example::

        >>> layer_norm(gg.tensor([[1.0, 3.0], [0.0, 4.0]]), (2,))
        tensor([[-1.0000,  1.0000],
                [-1.0000,  1.0000]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")
    _check_dtypes(input, weight, bias)
    lead = input.ndim - k
    rows = 1
    for s in input.shape[:lead]:
        rows *= s
    spec = NormSpec((rows, -1), (1,), shape, tuple(range(lead)), eps)
    return NativeLayerNorm.apply(input, weight, bias, None, None, spec, True, 0.0)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each of ``num_groups`` channel groups per sample, then a per-channel affine.

    Example::

        >>> group_norm(gg.randn(2, 4, 3, 3), 2).shape
        gpugrad.Size([2, 4, 3, 3])
    """
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(input.shape)}")
    _check_dtypes(input, weight, bias)
    nd = input.ndim
    view = (n, num_groups, -1)
    spec = NormSpec(view, (2,), (1, c) + (1,) * (nd - 2), (0,) + tuple(range(2, nd)), eps)
    return NativeGroupNorm.apply(input, weight, bias, None, None, spec, True, 0.0)
