"""Rearrangements of channels: ``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle``.

Each is a reshape, a transpose and a copy. Each is a Function whose backward is the inverse
rearrangement (pixel_unshuffle for pixel_shuffle, channel_shuffle with ``C / groups`` groups
for channel_shuffle), so it is differentiable any number of times and saves nothing.

Example::

    >>> F.pixel_shuffle(gg.randn(1, 8, 3, 3), 2).shape
    gpugrad.Size([1, 2, 6, 6])
"""
import operator

from ..autograd.function import Function
from ..backend import get_array_module

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]


def _int_arg(fn, name, value):
    """``value`` as an int, with PyTorch's TypeError for a float or anything else."""
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not "
                        f"{type(value).__name__}") from None


def _shuffle_array(x, r):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    xp = get_array_module(x)
    *batch, c, h, w = x.shape
    oc = c // (r * r)
    v = x.reshape(tuple(batch) + (oc, r, r, h, w))
    b = len(batch)
    perm = tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2)
    return xp.ascontiguousarray(v.transpose(perm)).reshape(tuple(batch) + (oc, h * r, w * r))


def _unshuffle_array(x, r):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    xp = get_array_module(x)
    *batch, c, h, w = x.shape
    oh, ow = h // r, w // r
    v = x.reshape(tuple(batch) + (c, oh, r, ow, r))
    b = len(batch)
    perm = tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3)
    return xp.ascontiguousarray(v.transpose(perm)).reshape(tuple(batch) + (c * r * r, oh, ow))


class PixelShuffle(Function):
    """(*, C r^2, H, W) -> (*, C, H r, W r); the gradient is pixel_unshuffle's."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _shuffle_array(x, r)

    @staticmethod
    def backward(ctx, g):
        return PixelUnshuffle.apply(g, ctx.r), None


class PixelUnshuffle(Function):
    """(*, C, H r, W r) -> (*, C r^2, H, W); the gradient is pixel_shuffle's."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        return _unshuffle_array(x, r)

    @staticmethod
    def backward(ctx, g):
        return PixelShuffle.apply(g, ctx.r), None


class ChannelShuffle(Function):
    """(N, G, C/G, *) -> (N, C/G, G, *) over dim 1; the inverse shuffles with C/G groups."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, groups):
        xp = get_array_module(x)
        n, c = x.shape[:2]
        rest = x.shape[2:]
        ctx.inverse = c // groups
        v = x.reshape((n, groups, c // groups) + rest)
        return xp.ascontiguousarray(v.swapaxes(1, 2)).reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        return ChannelShuffle.apply(g, ctx.inverse), None


def pixel_shuffle(input, upscale_factor):
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r), ``r = upscale_factor``.

    Example::

        >>> F.pixel_shuffle(gg.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
        [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    r = _int_arg("pixel_shuffle", "upscale_factor", upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return PixelShuffle.apply(input, r)


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (*, C, H r, W r) into (*, C r^2, H, W): the inverse of pixel_shuffle.

    Example::

        >>> F.pixel_unshuffle(gg.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    r = _int_arg("pixel_unshuffle", "downscale_factor", downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return PixelUnshuffle.apply(input, r)


def channel_shuffle(input, groups):
    """Interleave the ``groups`` groups of channels (dim 1) of an (N, C, *) input, as in
    ShuffleNet: channel ``g * C/G + i`` moves to ``i * G + g``.

    Example::

        >>> F.channel_shuffle(gg.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    g = _int_arg("channel_shuffle", "groups", groups)
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    c = input.shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    return ChannelShuffle.apply(input, g)
