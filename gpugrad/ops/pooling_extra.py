"""More pooling: adaptive_max_pool1d/2d/3d, max_unpool1d/2d/3d, lp_pool1d/2d/3d and the
``*_with_indices`` forms, as ``torch.nn.functional`` has them.

Adaptive max pooling takes one gather per offset of the largest window (windows shorter than
that repeat their last element, which changes neither the maximum nor, as the first maximum
wins, its index) and saves only the int64 indices. Its backward, and max unpooling itself, are
the index scatter of :mod:`.pooling`, whose backward is the matching gather, so second
derivatives work. LP pooling is a composition of differentiable ops, as PyTorch's.

Example::

    >>> y, idx = adaptive_max_pool2d(gg.randn(1, 2, 5, 7), 3, return_indices=True)
    >>> max_unpool2d(y, idx, 2, output_size=(6, 6)).shape
    gpugrad.Size([1, 2, 6, 6])
"""
import itertools

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from .activation import check_float
from .pooling import (ScatterIndices, _size, avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d,
                      max_pool2d, max_pool3d)

__all__ = ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d"]


# ------------------------------------------------------------------ max pool with indices
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """:func:`max_pool1d` that always returns ``(output, indices)``.

    Example::

        >>> y, idx = max_pool1d_with_indices(gg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        >>> idx
        tensor([[[1, 2]]])
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """:func:`max_pool2d` that always returns ``(output, indices)`` (indices flat over H*W).

    Example::

        >>> max_pool2d_with_indices(gg.randn(1, 1, 4, 4), 2)[1].shape
        gpugrad.Size([1, 1, 2, 2])
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """:func:`max_pool3d` that always returns ``(output, indices)``.

    Example::

        >>> max_pool3d_with_indices(gg.randn(1, 1, 4, 4, 4), 2)[1].dtype
        gpugrad.int64
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ------------------------------------------------------------------ adaptive max pooling
class AdaptiveMaxPool(Function):
    """Max over PyTorch's adaptive windows ``[floor(i*n/o), ceil((i+1)*n/o))`` per dim;
    returns the values and the flat (per channel) input index of each."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, out):
        xp = get_array_module(x)
        spatial = x.shape[2:]
        d = len(spatial)
        plane = [_size(spatial[i + 1:]) for i in range(d)]
        starts, lasts = [], []
        for n, o in zip(spatial, out):
            i = np.arange(o)
            start = (i * n) // o
            end = -((-(i + 1) * n) // o)
            starts.append(start)
            lasts.append(end - 1)
        widths = [int((la - st).max()) + 1 if len(st) else 1 for st, la in zip(starts, lasts)]
        best = arg = None
        is_float = x.dtype.kind == "f"
        for off in itertools.product(*(range(w) for w in widths)):
            idx = [np.minimum(st + k, la) for st, k, la in zip(starts, off, lasts)]
            v = x[(Ellipsis,) + xp.ix_(*(xp.asarray(a) for a in idx))]
            flat = xp.asarray(sum(a.reshape((-1,) + (1,) * (d - 1 - i)) * plane[i]
                                  for i, a in enumerate(idx)).astype(np.int64))
            if best is None:
                best = v.copy()
                arg = xp.broadcast_to(flat, v.shape).copy()
                continue
            # PyTorch's rule: a strictly greater value or any NaN takes over.
            better = v > best
            if is_float:
                better |= xp.isnan(v)
            xp.copyto(best, v, where=better)
            xp.copyto(arg, xp.broadcast_to(flat, v.shape), where=better)
        ctx.in_shape = x.shape
        ctx.save_for_backward(arg)
        ctx.set_materialize_grads(False)
        return best, arg

    @staticmethod
    def backward(ctx, g, _g_indices):
        idx, = ctx.saved_tensors
        # Adaptive windows may overlap: a shared maximum collects every window's gradient.
        return ScatterIndices.apply(g, idx, ctx.in_shape, True), None


def _adaptive_max(fn, d, input, output_size, return_indices):
    # The checks in PyTorch's order: its argument parser (1-D) or Python wrapper (2-D, 3-D),
    # then the kernel's.
    if d == 1:
        if output_size is None:
            raise TypeError(f"{fn}(): argument 'output_size' (position 2) must be tuple of "
                            f"ints, not NoneType")
        if not isinstance(output_size, int) and len(output_size) != 1:
            raise RuntimeError(f"{fn}() argument 'output_size' should contain one int (got "
                               f"{len(output_size)})")
    elif output_size is not None and not isinstance(output_size, int):
        if input.ndim <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    if input.ndim not in (d + 1, d + 2):
        if d == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{fn})")
        raise RuntimeError(f"{fn}(): Expected {d + 1}D or {d + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * d
    output_size = tuple(output_size)
    if len(output_size) != d:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be {d}")
    check_float(fn, input._data)
    for i in range(1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")
    spatial = input.shape[-d:]
    out = tuple(n if o is None else int(o) for n, o in zip(spatial, output_size))
    if any(o < 0 for o in out):
        shape = list(input.shape[:-d]) + list(out)
        bad = min(o for o in out)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {shape}")
    unbatched = input.ndim == d + 1
    x = input.unsqueeze(0) if unbatched else input
    y, idx = AdaptiveMaxPool.apply(x, out)
    if unbatched:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return (y, idx) if return_indices else y


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool1d` that always returns ``(output, indices)``.

    Example::

        >>> adaptive_max_pool1d_with_indices(gg.tensor([[[1.0, 3.0, 2.0]]]), 2)[1]
        tensor([[[1, 1]]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool2d` that always returns ``(output, indices)``.

    Example::

        >>> adaptive_max_pool2d_with_indices(gg.randn(1, 1, 5, 5), 2)[1].shape
        gpugrad.Size([1, 1, 2, 2])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool3d` that always returns ``(output, indices)``.

    Example::

        >>> adaptive_max_pool3d_with_indices(gg.randn(1, 1, 3, 4, 5), 2)[1].shape
        gpugrad.Size([1, 1, 2, 2, 2])
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length over (N, C, L) or (C, L).

    Example::

        >>> adaptive_max_pool1d(gg.tensor([[[1.0, 3.0, 2.0]]]), 2)
        tensor([[[3., 3.]]])
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (H, W); ``None`` keeps that input size.

    Example::

        >>> adaptive_max_pool2d(gg.randn(2, 3, 7, 9), (2, None)).shape
        gpugrad.Size([2, 3, 2, 9])
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed (D, H, W).

    Example::

        >>> adaptive_max_pool3d(gg.randn(1, 2, 4, 5, 6), 2).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


# ------------------------------------------------------------------ max unpooling
def _ntuple(value, d):
    if isinstance(value, int):
        return (value,) * d
    t = tuple(int(v) for v in value)
    return t * d if len(t) == 1 else t


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    d = len(kernel_size)
    default = [(input.shape[-d + i] - 1) * stride[i] + kernel_size[i] - 2 * padding[i]
               for i in range(d)]
    if output_size is None:
        return default
    output_size = list(output_size) if not isinstance(output_size, int) else [output_size]
    shown = output_size
    if len(output_size) == d + 2:
        output_size = output_size[2:]
    if len(output_size) != d:
        raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for i in range(d):
        lo, hi = default[i] - stride[i], default[i] + stride[i]
        if not lo < output_size[i] < hi:
            raise ValueError(f'invalid output_size "{shown}" (dim {i} must be between {lo} and '
                             f'{hi})')
    return [int(o) for o in output_size]


def _max_unpool(d, input, indices, kernel_size, stride, padding, output_size):
    kernel = _ntuple(kernel_size, d)
    stride = kernel if stride is None else _ntuple(stride, d)
    padding = _ntuple(padding, d)
    out = _unpool_output_size(input, kernel, stride, padding, output_size)
    if d == 1:
        # PyTorch runs the 1-D case as 2-D with a trailing unit dim (so its errors say 2d).
        input, indices = input.unsqueeze(-1), indices.unsqueeze(-1)
        y = _max_unpool(2, input, indices, (kernel[0], 1), (stride[0], 1), (padding[0], 0),
                        out + [1])
        return y.squeeze(-1)
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{_dt.torch_name(indices._data.dtype)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Input to max_unpooling{d}d should be a {d + 1}d or {d + 2}d Tensor, "
                           f"but got a tensor with {input.ndim} dimensions.")
    size = _size(out)
    if indices.numel():
        # One host sync to check the indices, as PyTorch's kernel does.
        xp = get_array_module(indices._data)
        flat = indices._data.ravel()
        invalid = (flat < 0) | (flat >= size)
        if bool(invalid.any()):
            # The first one in memory order, as PyTorch's kernel reports it.
            bad = int(flat[int(xp.argmax(invalid))])
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(map(str, out))})")
    unbatched = input.ndim == d + 1
    x = input.unsqueeze(0) if unbatched else input
    idx = indices.unsqueeze(0) if unbatched else indices
    # A plain write, not an accumulation: several equal indices keep one of their values.
    y = ScatterIndices.apply(x, idx, tuple(x.shape[:2]) + tuple(out), False)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """A partial inverse of :func:`max_pool1d`: each value back at its index, zeros elsewhere.

    Example::

        >>> y, idx = max_pool1d_with_indices(gg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        >>> max_unpool1d(y, idx, 2)
        tensor([[[0., 3., 2., 0.]]])
    """
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """A partial inverse of :func:`max_pool2d` over (N, C, H, W) or (C, H, W).

    Example::

        >>> y, idx = max_pool2d_with_indices(gg.randn(1, 1, 4, 4), 2)
        >>> max_unpool2d(y, idx, 2).shape
        gpugrad.Size([1, 1, 4, 4])
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """A partial inverse of :func:`max_pool3d` over (N, C, D, H, W) or (C, D, H, W).

    Example::

        >>> y, idx = max_pool3d_with_indices(gg.randn(1, 1, 4, 4, 4), 2)
        >>> max_unpool3d(y, idx, 2).shape
        gpugrad.Size([1, 1, 4, 4, 4])
    """
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# ------------------------------------------------------------------ power-average pooling
def _lp_pool(d, avg, mx, input, norm_type, kernel_size, stride, ceil_mode):
    kernel = _ntuple(kernel_size, d)
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return mx(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -mx(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # sign * relu(abs): zero where the window's power sum is zero, with a zero gradient there.
    return (out.sign() * out.abs().relu()).mul(_size(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum x^p)^(1/p)`` over windows of (N, C, L) or (C, L).

    Example::

        >>> lp_pool1d(gg.tensor([[[3.0, 4.0]]]), 2, 2)
        tensor([[[5.]]])
    """
    return _lp_pool(1, avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, H, W) or (C, H, W).

    Example::

        >>> lp_pool2d(gg.ones(1, 1, 4, 4), 1, 2)
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """
    return _lp_pool(2, avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride,
                    ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, D, H, W) or (C, D, H, W).

    Example::

        >>> lp_pool3d(gg.ones(1, 1, 2, 2, 2), 2, 2).shape
        gpugrad.Size([1, 1, 1, 1, 1])
    """
    return _lp_pool(3, avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride,
                    ceil_mode)
