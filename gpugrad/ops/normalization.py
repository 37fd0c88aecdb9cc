"""Normalization: batch_norm, layer_norm, group_norm.

All three are one computation: view the input so that the statistics are a mean over some
axes, normalize, then scale and shift per feature. :class:`_Normalize` does it in array code
as per-group coefficients times the data (a few passes), and saves the input plus the small
mean and 1/std. Its backward is array code too, except under ``create_graph=True``: then it
is written in gpugrad ops with the statistics recomputed from the input, so that second
derivatives see their dependence on it.

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
from ..tensor import _make

__all__ = ["batch_norm", "layer_norm", "group_norm"]

# All three norms in one layout. view: the shape x is seen in; stat_axes: the axes its
# statistics reduce; affine: the weight/bias shape in that view. For example batch norm sees
# (N, C, spatial) with stat_axes (0, 2) and affine (1, C, 1); group norm (N, G, C/G, spatial)
# with (2, 3) and (1, G, C/G, 1); layer norm (rows, features) with (1,) and (1, features).
NormSpec = namedtuple("NormSpec", "view stat_axes affine eps")


def _axes(spec):
    """(pair, rest, affine_rest): the axes that reduce an element-shaped array to one value
    per (statistics group, affine element) pair; those that then reduce a pair array to its
    statistics groups; and those that reduce it to the affine shape."""
    ones = {i for i, a in enumerate(spec.affine) if a == 1}
    pair = tuple(i for i in spec.stat_axes if i in ones)
    rest = tuple(i for i in spec.stat_axes if i not in ones)
    affine_rest = tuple(sorted(ones - set(pair)))
    return pair, rest, affine_rest


class _Normalize(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over ``spec``; with running stats
    and ``use_input_stats=False`` (batch norm in eval) those replace the input's statistics.

    In training with running stats, those arrays are updated in place with ``momentum``
    (the unbiased variance, as PyTorch). Forward and backward run as per-group coefficients
    times whole arrays (``y = x * scale + shift``), a few passes over the data each.
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, spec, use_input_stats,
                momentum):
        xp = get_array_module(x)
        xv = x.reshape(spec.view)
        if use_input_stats:
            mean = xv.mean(axis=spec.stat_axes, keepdims=True)
            sq = xv - mean
            sq *= sq
            var = sq.mean(axis=spec.stat_axes, keepdims=True)
            del sq
            if running_mean is not None:
                n = xv.size // mean.size
                m = momentum
                rm, rv = running_mean, running_var
                rm *= 1 - m
                rm += (m * _per_feature(mean, rm)).astype(rm.dtype, copy=False)
                rv *= 1 - m
                rv += (m * n / max(n - 1, 1) * _per_feature(var, rv)).astype(rv.dtype,
                                                                             copy=False)
        else:
            # Copies: backward must not see later in-place updates of the running stats.
            mean = running_mean.reshape(spec.affine).astype(x.dtype)
            var = running_var.reshape(spec.affine).astype(x.dtype)
        invstd = 1 / xp.sqrt(var + spec.eps)
        if _axes(spec)[0]:
            # Few (group, affine element) pairs: fold everything into y = x * scale + shift.
            scale = invstd if weight is None else invstd * weight.reshape(spec.affine)
            shift = -mean * scale
            if bias is not None:
                shift = shift + bias.reshape(spec.affine)
            y = xv * scale
            y += shift
        else:
            # One pair per element (layer norm): per-pair coefficients would be data-sized.
            y = xv - mean
            y *= invstd
            if weight is not None:
                y *= weight.reshape(spec.affine)
            if bias is not None:
                y += bias.reshape(spec.affine)
        need = ctx.needs_input_grad
        ctx.spec, ctx.use_input_stats = spec, use_input_stats
        ctx.param_shape = None if weight is None and bias is None else \
            (weight if weight is not None else bias).shape
        if need[0] or need[1]:
            ctx.save_for_backward(x, weight if need[0] else None, mean, invstd)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        spec, need = ctx.spec, ctx.needs_input_grad
        if _tls.grad_enabled:
            return _differentiable_backward(ctx, g)
        pair, rest, affine_rest = _axes(spec)
        gv = g._data.reshape(spec.view)
        # Sums of g per (group, affine element): all the bias and most of the rest needs.
        s1 = gv.sum(axis=pair, keepdims=True) if pair else gv
        gb = s1.sum(axis=affine_rest).reshape(ctx.param_shape) if need[2] else None
        if not (need[0] or need[1]):
            return _wrap(None, gb, None)
        x, w, mean, invstd = (None if t is None else t._data for t in ctx.saved_tensors)
        xv = x.reshape(spec.view)
        if not pair:
            return _elementwise_backward(ctx, gv, xv, w, mean, invstd, gb, g.shape)
        s2 = (gv * xv).sum(axis=pair, keepdims=True)
        # Sum of g * xhat per pair, from the two sums (xhat = (x - mean) * invstd).
        s_hat = invstd * (s2 - mean * s1)
        gw = s_hat.sum(axis=affine_rest).reshape(ctx.param_shape) if need[1] else None
        gx = None
        if need[0]:
            c1 = invstd if w is None else invstd * w.reshape(spec.affine)
            gx = gv * c1
            if ctx.use_input_stats:
                count = 1
                for a in spec.stat_axes:
                    count *= gv.shape[a]
                wb = 1 if w is None else w.reshape(spec.affine)
                k1 = _sum(wb * s1, rest) / count  # mean of g * w over the group
                k2 = _sum(wb * s_hat, rest) / count  # mean of g * w * xhat
                # gx = invstd * (g w - k1 - xhat k2), with xhat expanded in x.
                c2 = -(invstd * invstd * k2)
                c3 = invstd * (mean * invstd * k2 - k1)
                gx += xv * c2
                gx += c3
            gx = gx.reshape(g.shape)
        return _wrap(gx, gb, gw)


def _per_feature(stat, running):
    """A statistic in the running buffer's shape. Instance norm has one per (sample, channel)
    and a buffer per channel: its update averages over the batch, as PyTorch's."""
    if stat.size == running.size:
        return stat.reshape(running.shape)
    return stat.reshape(-1, running.size).mean(axis=0).reshape(running.shape)


def _elementwise_backward(ctx, gv, xv, w, mean, invstd, gb, shape):
    """Backward where every element is its own (group, affine element) pair (layer norm):
    the textbook formula, in place, is fewer passes than per-pair sums."""
    spec, need = ctx.spec, ctx.needs_input_grad
    _, _, affine_rest = _axes(spec)
    xhat = xv - mean
    xhat *= invstd
    gw = (gv * xhat).sum(axis=affine_rest).reshape(ctx.param_shape) if need[1] else None
    gx = None
    if need[0]:
        gh = gv * w.reshape(spec.affine) if w is not None else gv.copy()
        if ctx.use_input_stats:
            k1 = gh.mean(axis=spec.stat_axes, keepdims=True)
            k2 = (gh * xhat).mean(axis=spec.stat_axes, keepdims=True)
            gh -= k1
            xhat *= k2
            gh -= xhat
        gh *= invstd
        gx = gh.reshape(shape)
    return _wrap(gx, gb, gw)


def _sum(a, axes):
    return a.sum(axis=axes, keepdims=True) if axes else a


def _wrap(gx, gb, gw):
    """Gradients for (x, weight, bias, running_mean, running_var, spec, flag, momentum)."""
    return tuple(None if a is None else _make(a) for a in (gx, gw, gb)) + (None,) * 5


def _differentiable_backward(ctx, g):
    """The same gradients in gpugrad ops (create_graph): the statistics are recomputed from x
    so that second derivatives see how they depend on it."""
    spec, need = ctx.spec, ctx.needs_input_grad
    ones = tuple(i for i, a in enumerate(spec.affine) if a == 1)
    gv = g.reshape(spec.view)
    gx = gw = None
    gb = gv.sum(dim=ones).reshape(ctx.param_shape) if need[2] else None
    if not (need[0] or need[1]):
        return (gx, gw, gb) + (None,) * 5
    x, w, mean, invstd = ctx.saved_tensors
    xv = x.reshape(spec.view)
    if ctx.use_input_stats:
        mean = xv.mean(dim=spec.stat_axes, keepdim=True)
        var = ((xv - mean) ** 2).mean(dim=spec.stat_axes, keepdim=True)
        invstd = (var + spec.eps).rsqrt()
    xhat = (xv - mean) * invstd
    if need[1]:
        gw = (gv * xhat).sum(dim=ones).reshape(ctx.param_shape)
    if need[0]:
        gh = gv if w is None else gv * w.reshape(spec.affine)
        if ctx.use_input_stats:
            gh = (gh - gh.mean(dim=spec.stat_axes, keepdim=True)
                  - xhat * (gh * xhat).mean(dim=spec.stat_axes, keepdim=True))
        gx = (gh * invstd).reshape(x.shape)
    return (gx, gw, gb) + (None,) * 5


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
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast, before the dtype check
        input, weight, bias = _function._autocast_hook("batch_norm", (input, weight, bias))
    _check_dtypes(input, weight, bias)
    spatial = input.numel() // (input.shape[0] * c) if input.shape[0] * c else 0
    spec = NormSpec((input.shape[0], c, spatial), (0, 2), (1, c, 1), eps)
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
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast, before the dtype check
        input, weight, bias = _function._autocast_hook("layer_norm", (input, weight, bias))
    _check_dtypes(input, weight, bias)
    features = 1
    for n in shape:
        features *= n
    spec = NormSpec((input.numel() // features if features else 0, features), (1,),
                    (1, features), eps)
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
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast, before the dtype check
        input, weight, bias = _function._autocast_hook("group_norm", (input, weight, bias))
    _check_dtypes(input, weight, bias)
    per_group = c // num_groups
    spec = NormSpec((n, num_groups, per_group, input.numel() // (n * c) if n * c else 0),
                    (2, 3), (1, num_groups, per_group, 1), eps)
    return NativeGroupNorm.apply(input, weight, bias, None, None, spec, True, 0.0)
