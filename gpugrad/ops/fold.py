"""``unfold`` (im2col) and ``fold`` (col2im), as ``torch.nn.functional``'s.

``unfold`` cuts the sliding blocks out of a batched (N, C, H, W) input and lays them out as
columns (N, C * kH * kW, L); ``fold`` sums such columns back onto an (N, C, H, W) output. They
are each other's adjoint, so each one's backward is the other: both are differentiable any
number of times and save nothing. The column copy is convolution's own im2col
(``ops/conv.py``, sample-major layout); the sum back is one strided add per kernel offset.

Example::

    >>> x = gg.randn(1, 3, 5, 5)
    >>> cols = F.unfold(x, kernel_size=2)
    >>> cols.shape
    gpugrad.Size([1, 12, 16])
    >>> F.fold(cols, output_size=(5, 5), kernel_size=2).shape
    gpugrad.Size([1, 3, 5, 5])
"""
import itertools
import operator

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import _wrap_dim
from .conv import Geometry, _im2col, _padded_size, _window_slices

__all__ = ["fold", "unfold"]


def _blocks(spatial, ksize, geo):
    """How many sliding blocks fit along each spatial dim (floor, as PyTorch's div_rtn)."""
    return tuple((s + 2 * p - (dl * (k - 1) + 1)) // st + 1
                 for s, p, k, dl, st in zip(spatial, geo.pad_lo, ksize, geo.dilation,
                                            geo.stride))


def _col2im(cols, channels, out_size, ksize, geo, blocks):
    """Sum (N, C * prod(K), L) columns onto an (N, C, *out_size) array: im2col's adjoint."""
    xp = get_array_module(cols)
    n = cols.shape[0]
    cols = cols.reshape((n, channels) + tuple(ksize) + tuple(blocks))
    acc = xp.zeros((n, channels) + _padded_size(out_size, ksize, geo, blocks), dtype=cols.dtype)
    every = (slice(None), slice(None))
    for off in itertools.product(*(range(k) for k in ksize)):
        acc[every + _window_slices(off, geo, blocks)] += cols[every + off]
    acc = acc[every + tuple(slice(a, a + s) for a, s in zip(geo.pad_lo, out_size))]
    return xp.ascontiguousarray(acc)


class Im2Col(Function):
    """(N, C, H, W) -> (N, C * kH * kW, L) (or unbatched, without N); the gradient is
    :class:`Col2Im`."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, ksize, geo, blocks):
        ctx.fold_args = (x.shape[-3], x.shape[-2:], ksize, geo, blocks)
        if x.ndim == 3:                                  # unbatched: (C, H, W)
            return Im2Col.forward(ctx, x[None], ksize, geo, blocks)[0]
        n, c = x.shape[:2]
        k = 1
        for v in ksize:
            k *= v
        L = 1
        for v in blocks:
            L *= v
        if n == 0:
            return get_array_module(x).zeros((0, c * k, L), dtype=x.dtype)
        return _im2col(x, ksize, geo, blocks, per_sample=True).reshape(n, c * k, L)

    @staticmethod
    def backward(ctx, g):
        channels, spatial, ksize, geo, blocks = ctx.fold_args
        return Col2Im.apply(g, channels, spatial, ksize, geo, blocks), None, None, None


class Col2Im(Function):
    """(N, C * kH * kW, L) -> (N, C, H, W) (or unbatched, without N), summing overlaps; the
    gradient is :class:`Im2Col`."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, cols, channels, out_size, ksize, geo, blocks):
        ctx.fold_args = (ksize, geo, blocks)
        if cols.ndim == 2:                               # unbatched: (C * prod(K), L)
            return _col2im(cols[None], channels, tuple(out_size), ksize, geo, blocks)[0]
        return _col2im(cols, channels, tuple(out_size), ksize, geo, blocks)

    @staticmethod
    def backward(ctx, g):
        ksize, geo, blocks = ctx.fold_args
        return Im2Col.apply(g, ksize, geo, blocks), None, None, None, None, None


# ------------------------------------------------------------------ arguments, as PyTorch's
def _pair(fn, name, position, value):
    """``value`` as PyTorch's ``_pair`` then its int-list parser leave it."""
    values = tuple(value) if hasattr(value, "__iter__") else (value, value)
    out = []
    for i, v in enumerate(values):
        if hasattr(v, "_data") and hasattr(v, "item"):        # a 0-d integer Tensor
            v = v.item()
        try:
            if isinstance(v, float):
                raise TypeError
            out.append(operator.index(v))
        except TypeError:
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be tuple of "
                            f"ints, but found element of type {type(v).__name__} at pos {i}"
                            ) from None
    return tuple(out)


def _expect_two(**named):
    for name, v in named.items():
        if len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")


def _check_kernel(k):
    if not (k[0] > 0 and k[1] > 0):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{k[0]} kernel_width: {k[1]}")


def _check_stride(s):
    if not (s[0] > 0 and s[1] > 0):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")


def _check_dilation(d):
    if not (d[0] > 0 and d[1] > 0):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]} dilation_width: {d[1]}")


def _check_padding(p):
    if not (p[0] >= 0 and p[1] >= 0):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")


def _check_dtype(op, x):
    if x._data.dtype.kind in "iu":
        raise NotImplementedError(f"\"{op}_out_cpu\" not implemented for "
                                  f"'{_dt.torch_name(x._data.dtype)}'")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding blocks of a (N, C, H, W) or unbatched (C, H, W) input as columns:
    (N, C * kH * kW, L), with L the number of blocks (im2col).

    Example::

        >>> F.unfold(gg.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2)[0, :, 0].tolist()
        [0.0, 1.0, 4.0, 5.0]
    """
    k = _pair("im2col", "kernel_size", 2, kernel_size)
    d = _pair("im2col", "dilation", 3, dilation)
    p = _pair("im2col", "padding", 4, padding)
    s = _pair("im2col", "stride", 5, stride)
    _expect_two(kernel_size=k, dilation=d, padding=p, stride=s)
    _check_kernel(k)
    _check_dilation(d)
    _check_padding(p)
    _check_stride(s)
    shape = list(input.shape)
    nd = len(shape)
    if nd == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    _wrap_dim(1, nd)
    _wrap_dim(2, nd)
    if not ((nd == 3 and all(shape)) or (nd == 4 and all(shape[1:]))):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {shape}")
    geo = Geometry(s, p, p, d, 1)
    blocks = _blocks(shape[-2:], k, geo)
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"Given input with spatial size ({shape[-2]}, {shape[-1]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({blocks[0]}, {blocks[1]}), but its components must be "
                           f"at least one.")
    _check_dtype("im2col", input)
    return Im2Col.apply(input, k, geo, blocks)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C * kH * kW, L) (or unbatched (C * kH * kW, L)) back onto an
    (N, C, *output_size) output, adding where blocks overlap (col2im; unfold's adjoint).

    Example::

        >>> F.fold(gg.ones(1, 4, 4), (3, 3), 2)[0, 0].tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    o = _pair("col2im", "output_size", 2, output_size)
    k = _pair("col2im", "kernel_size", 3, kernel_size)
    d = _pair("col2im", "dilation", 4, dilation)
    p = _pair("col2im", "padding", 5, padding)
    s = _pair("col2im", "stride", 6, stride)
    _expect_two(output_size=o, kernel_size=k, dilation=d, padding=p, stride=s)
    _check_kernel(k)
    _check_stride(s)
    _check_dilation(d)
    _check_padding(p)
    shape = list(input.shape)
    nd = len(shape)
    if not ((nd == 2 and all(shape)) or (nd == 3 and all(shape[1:]))):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: {shape}")
    planes, length = shape[-2:]
    if planes % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={planes} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    geo = Geometry(s, p, p, d, 1)
    blocks = _blocks(o, k, geo)
    given = (f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), "
             f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), ")
    if length != blocks[0] * blocks[1]:
        raise RuntimeError(f"{given}expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(f"{given}calculated shape of the array of sliding blocks as "
                           f"({blocks[0]}, {blocks[1]}), which is too small (non-positive)")
    _check_dtype("col2im", input)
    return Col2Im.apply(input, planes // (k[0] * k[1]), o, k, geo, blocks)
