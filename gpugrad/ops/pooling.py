"""Pooling: max_pool1d/2d/3d, avg_pool1d/2d/3d, adaptive_avg_pool1d/2d/3d.

Every pooling runs one strided slice per kernel offset (9 for a 3x3 window) over the whole
batch; none loops over pixels. Max pooling saves only the int64 indices of the maxima (the
output of ``return_indices``), not its input; its backward is a scatter of the gradient onto
those indices, whose own backward is the matching gather, so second derivatives work.
Average pooling is linear: its backward is its adjoint, and the adjoint's backward is the
pooling again.

Example::

    >>> x = gg.randn(1, 1, 4, 4, requires_grad=True)
    >>> y, idx = max_pool2d(x, 2, return_indices=True)
    >>> y.shape, idx.shape
    (gpugrad.Size([1, 1, 2, 2]), gpugrad.Size([1, 1, 2, 2]))
"""
import itertools
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"]

# Per spatial dim tuples; out: the output's spatial size.
Window = namedtuple("Window", "kernel stride padding dilation out")


def _offsets(win):
    return itertools.product(*(range(k) for k in win.kernel))


def _slices(off, win):
    """The outputs' view of a padded input at one kernel offset."""
    return (Ellipsis,) + tuple(slice(k * dl, k * dl + (o - 1) * s + 1, s)
                               for k, dl, o, s in zip(off, win.dilation, win.out, win.stride))


def _padded_shape(spatial, win):
    """The padded spatial size that holds every window (ceil_mode may reach past the
    padding on the high side)."""
    return tuple(max(n + p, (o - 1) * s + (k - 1) * dl + 1 - p) + p
                 for n, o, s, k, dl, p in zip(spatial, win.out, win.stride, win.kernel,
                                              win.dilation, win.padding))


def _inner(win, spatial):
    """The unpadded input inside a padded array."""
    return (Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(win.padding, spatial))


def _padded(xp, x, win, fill):
    """``x`` inside an array of :func:`_padded_shape` filled with ``fill``."""
    shape = x.shape[:2] + _padded_shape(x.shape[2:], win)
    if shape == x.shape:
        return x
    out = xp.full(shape, fill, dtype=x.dtype)
    out[_inner(win, x.shape[2:])] = x
    return out


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _outer_sum(xp, vectors):
    """sum_i vectors[i] broadcast along dim i: an array of their lengths' shape."""
    total = 0
    for i, v in enumerate(vectors):
        total = total + v.reshape((-1,) + (1,) * (len(vectors) - 1 - i))
    return total


_TIE_ORDER = {}


def _tie_order(dtype):
    """Which operand NumPy's ``maximum`` returns when they compare equal (-0.0 vs 0.0):
    "first", "second", or None where it is not the same at every length (SIMD bodies and
    scalar tails). It differs between dtypes (float16 returns the first, float32 the
    second), so it is measured once per dtype rather than assumed."""
    order = _TIE_ORDER.get(dtype)
    if order is None and dtype not in _TIE_ORDER:
        seen = set()
        for n in (1, 3, 8, 17, 64, 257):
            neg, pos = np.full(n, -0.0, dtype), np.zeros(n, dtype)
            r = np.signbit(np.maximum(neg, pos))
            seen.add("first" if r.all() else "second" if not r.any() else None)
        order = _TIE_ORDER[dtype] = seen.pop() if len(seen) == 1 else None
    return order


class MaxPool(Function):
    """Max over windows; returns the values and the flat (per channel) input index of each."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, win):
        xp = get_array_module(x)
        spatial = x.shape[2:]
        xpd = _padded(xp, x, win, _lowest(x.dtype))
        # Flat offsets into one channel's (unpadded) plane, per spatial dim.
        plane = [_size(spatial[i + 1:]) for i in range(len(spatial))]
        is_float = x.dtype.kind == "f"
        offsets = list(_offsets(win))
        views = [xpd[_slices(off, win)] for off in offsets]
        # The maximum first, by one ufunc per offset (NaN propagates). On a tie (-0.0 and
        # 0.0) the earlier value must stay, so the running maximum goes where NumPy's
        # maximum returns it; where that is not known, compare and copy.
        order = _tie_order(x.dtype) if xp is np else None
        # NaN must win every comparison (PyTorch propagates it). Comparing and copying needs
        # to know beforehand whether the input has one (it costs two more passes per
        # offset); NumPy's maximum carries any NaN of a window into its maximum, so there
        # the (smaller) result tells afterwards.
        nan_aware = is_float and order is None and (xp is not np or bool(np.isnan(x).any()))
        if len(views) == 1 or order is None:
            best, rest = views[0].copy(), views[1:]
        else:
            # The first step allocates the result (saving a copy of the first view).
            pair = (views[1], views[0]) if order == "second" else (views[0], views[1])
            best, rest = np.maximum(*pair), views[2:]
        for v in rest:
            if order == "second":
                np.maximum(v, best, out=best)
            elif order == "first":
                np.maximum(best, v, out=best)
            else:
                better = v > best
                if nan_aware:
                    better |= xp.isnan(v)
                xp.copyto(best, v, where=better)
        if is_float and order is not None:
            nan_aware = bool(np.isnan(best).any())
        # Then where it is, as a small window-local number: the first offset equal to it,
        # or where it is NaN the last NaN (PyTorch's ``val > max || isnan(val)`` lets every
        # NaN take over).
        n = len(views)
        small = np.int8 if n < 128 else np.int32
        if xp is np:
            # With u_k = (views[k] != best) as 0/1, the first k equal to it is
            # u_0 * (1 + u_1 * (1 + ... * (1 + u_{n-2}))): a few passes over small
            # integers, several times cheaper than a masked copy per offset.
            if n == 1:
                local = np.zeros(best.shape, dtype=small)
            else:
                local = np.not_equal(views[n - 2], best)
                local = local.view(small) if small == np.int8 else local.astype(small)
                unequal = np.empty(best.shape, dtype=bool)
                for k in range(n - 3, -1, -1):
                    np.not_equal(views[k], best, out=unequal)
                    local += 1
                    np.multiply(local, unequal, out=local)
        else:
            local = xp.full(best.shape, n - 1, dtype=small)
            for k in range(n - 2, -1, -1):
                xp.copyto(local, k, where=views[k] == best)
        if nan_aware:
            for k in range(n):
                xp.copyto(local, k, where=xp.isnan(views[k]))
        deltas = [sum(k * dl * st for k, dl, st in zip(off, win.dilation, plane))
                  for off in offsets]
        arg = xp.asarray(deltas, dtype=np.int64).take(local)
        # Add where each window starts, so the indices address the unpadded input: one add
        # of the (small) sum over dims.
        start = [xp.arange(o, dtype=np.int64) * s - p
                 for o, s, p in zip(win.out, win.stride, win.padding)]
        arg += _outer_sum(xp, [a * st for a, st in zip(start, plane)])
        if xpd is not x and is_float:
            # A window whose maximum is -inf may have picked a padding cell: PyTorch reports
            # its first real element instead (padding is skipped).
            first = _outer_sum(xp, [(a + ((-a).clip(0) + dl - 1) // dl * dl) * st
                                    for a, dl, st in zip(start, win.dilation, plane)])
            arg = xp.where(best == -np.inf, first, arg)
        ctx.in_shape = x.shape
        ctx.overlap = any(s < (k - 1) * dl + 1 for s, k, dl in
                          zip(win.stride, win.kernel, win.dilation))
        ctx.save_for_backward(arg)
        ctx.set_materialize_grads(False)
        return best, arg

    @staticmethod
    def backward(ctx, g, _g_indices):
        idx, = ctx.saved_tensors
        return ScatterIndices.apply(g, idx, ctx.in_shape, ctx.overlap), None


class ScatterIndices(Function):
    """zeros(shape) with ``g`` added at per-channel flat ``idx``: max pooling's backward."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, g, idx, shape, overlap):
        xp = get_array_module(g)
        ctx.save_for_backward(idx)
        n_planes = int(np.prod(shape[:2], dtype=np.int64))
        plane = int(np.prod(shape[2:], dtype=np.int64))
        flat = (idx.reshape(n_planes, -1)
                + xp.arange(n_planes, dtype=np.int64)[:, None] * plane).ravel()
        size = n_planes * plane
        if overlap:
            # A position that is the max of several windows collects all their gradients.
            out = xp.bincount(flat, weights=g.ravel(), minlength=size).astype(g.dtype,
                                                                              copy=False)
        else:
            out = xp.zeros(size, dtype=g.dtype)
            out[flat] = g.ravel()
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, gg_):
        idx, = ctx.saved_tensors
        return GatherIndices.apply(gg_, idx), None, None, None


class GatherIndices(Function):
    """Values of ``x`` at per-channel flat ``idx``; the adjoint of :class:`ScatterIndices`."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, idx):
        xp = get_array_module(x)
        ctx.save_for_backward(idx)
        ctx.in_shape = x.shape
        ctx.overlap = True
        lead = x.shape[:2]
        out = xp.take_along_axis(x.reshape(lead + (-1,)), idx.reshape(lead + (-1,)), axis=2)
        return out.reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        return ScatterIndices.apply(g, idx, ctx.in_shape, ctx.overlap), None


def _avg_scale(xp, dtype, spatial, win, count_include_pad, divisor_override):
    """1 / divisor of each output position, as PyTorch counts it, over the output's dims."""
    total = None
    for i, (n, o, k, s, p) in enumerate(zip(spatial, win.out, win.kernel, win.stride,
                                            win.padding)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        pool = end - start
        count = np.minimum(end, n) - np.maximum(start, 0)
        vec = pool if count_include_pad else count
        vec = vec.reshape((o,) + (1,) * (len(spatial) - 1 - i))
        live = (count > 0).reshape(vec.shape)
        total = (vec, live) if total is None else (total[0] * vec, total[1] & live)
    divisor, live = total
    if divisor_override is not None:
        divisor = np.full(divisor.shape, divisor_override)
    # Windows entirely in the padding sum nothing and give 0.
    scale = np.where(live, 1.0 / np.maximum(divisor, 1), 0.0).astype(dtype)
    return scale if xp is np else xp.asarray(scale)


def _tiled(xp, x, win, spatial, scale, adjoint):
    """Average pooling whose windows tile the input exactly (kernel == stride, no padding,
    e.g. 2x2 pooling or global pooling): one reshape-and-sum, or one broadcast back."""
    lead = x.shape[:2]
    split = lead + tuple(d for o, k in zip(win.out, win.kernel) for d in (o, k))
    inner = tuple(3 + 2 * i for i in range(len(spatial)))
    if not adjoint:
        acc = x.reshape(split).sum(axis=inner)
        acc *= scale
        return acc
    g = (x * scale).reshape(lead + tuple(d for o in win.out for d in (o, 1)))
    return xp.ascontiguousarray(xp.broadcast_to(g, split)).reshape(lead + tuple(spatial))


class AvgPool(Function):
    """Average over windows, or with ``adjoint`` its transpose (the average pool backward)."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, win, spatial, count_include_pad, divisor_override, adjoint):
        xp = get_array_module(x)
        ctx.args = (win, spatial, count_include_pad, divisor_override)
        ctx.adjoint = adjoint
        scale = _avg_scale(xp, x.dtype, spatial, win, count_include_pad, divisor_override)
        if win.kernel == win.stride and not any(win.padding) and \
                all(o * k == n for o, k, n in zip(win.out, win.kernel, spatial)):
            return _tiled(xp, x, win, spatial, scale, adjoint)
        if not adjoint:
            xpd = _padded(xp, x, win, 0)
            acc = None
            for off in _offsets(win):
                v = xpd[_slices(off, win)]
                if acc is None:
                    acc = v.copy()
                else:
                    acc += v
            acc *= scale
            return acc
        g = x * scale
        acc = xp.zeros(g.shape[:2] + _padded_shape(spatial, win), dtype=g.dtype)
        for off in _offsets(win):
            acc[_slices(off, win)] += g
        return xp.ascontiguousarray(acc[_inner(win, spatial)])

    @staticmethod
    def backward(ctx, g):
        return (AvgPool.apply(g, *ctx.args, not ctx.adjoint),) + (None,) * 5


# ------------------------------------------------------------------ argument checking
def _tuple(value, d, fn, what, omitted=False):
    if isinstance(value, int):
        return (value,) * d
    t = tuple(int(v) for v in value)
    if len(t) == 1:
        return t * d
    if len(t) != d:
        words = {1: "one int", 2: "two ints", 3: "three ints"}[d]
        if what == "stride":
            raise RuntimeError(f"{fn}: stride must either be omitted, a single int, or a tuple "
                               f"of {words}")
        verb = "be either" if what == "dilation" else "either be"
        raise RuntimeError(f"{fn}: {what} must {verb} a single int, or a tuple of {words}")
    return t


def _batched(fn, input, d):
    if input.ndim == d + 1:
        return input.unsqueeze(0), True
    if input.ndim == d + 2 and input.numel() > 0:
        return input, False
    if d == 1:
        if fn == "max_pool1d":
            raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with "
                               f"optional 0 dim batch size for input, but got:"
                               f"{list(input.shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for {fn})")
    raise RuntimeError(f"non-empty {d + 1}D or {d + 2}D (batch mode) tensor expected for input")


def _window(fn, d, x, kernel_size, stride, padding, dilation, ceil_mode):
    kernel = _tuple(kernel_size, d, fn, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _tuple(stride, d, fn, "stride")
    padding = _tuple(padding, d, fn, "padding")
    dilation = _tuple(dilation, d, fn, "dilation")
    names = ("kD", "kH", "kW")[3 - d:]
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(f"{n}: {k}" for n, k in zip(names, kernel)))
    if any(s < 0 for s in stride):
        raise RuntimeError("stride should be greater than zero, but got "
                           + " ".join(f"d{n[1]}: {s}" for n, s in zip(names, stride)))
    if any(dl <= 0 for dl in dilation):
        raise RuntimeError("dilation should be greater than zero, but got "
                           + " ".join(f"dilation{n[1]}: {v}" for n, v in zip(names, dilation)))
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    for k, p, dl in zip(kernel, padding, dilation):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dl}")
    spatial = x.shape[2:]
    out = []
    for n, k, s, p, dl in zip(spatial, kernel, stride, padding, dilation):
        o = (n + 2 * p - dl * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            # The last window must start inside the input or the left padding.
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        c = x.shape[1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + tuple(spatial)))}). "
                           f"Calculated output size: ({'x'.join(map(str, [c] + out))}). Output "
                           f"size is too small")
    return Window(kernel, stride, padding, dilation, tuple(out))


def _max_pool(fn, d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(fn, input, d)
    win = _window(fn, d, x, kernel_size, stride, padding, dilation, ceil_mode)
    out, idx = MaxPool.apply(x, win)
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


def _avg_pool(fn, d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, unbatched = _batched(fn, input, d)
    win = _window(fn, d, x, kernel_size, stride, padding, 1, ceil_mode)
    out = AvgPool.apply(x, win, x.shape[2:], count_include_pad, divisor_override, False)
    return out.squeeze(0) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L); ``return_indices`` adds the argmax indices.

    Example::

        >>> max_pool1d(gg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[3., 2.]]])
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W), as ``torch.nn.functional.max_pool2d``.

    Padding counts as -inf; indices (with ``return_indices``) are flat over H*W.

    Example::

        >>> max_pool2d(gg.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W).

    Example::

        >>> max_pool3d(gg.randn(1, 2, 4, 4, 4), 2).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L).

    Example::

        >>> avg_pool1d(gg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
        tensor([[[2., 1.]]])
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling; the divisor counts padding unless ``count_include_pad=False``.

    Example::

        >>> avg_pool2d(gg.ones(1, 1, 4, 4), 2, padding=1, count_include_pad=False).shape
        gpugrad.Size([1, 1, 3, 3])
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W).

    Example::

        >>> avg_pool3d(gg.ones(1, 1, 4, 4, 4), 2).shape
        gpugrad.Size([1, 1, 2, 2, 2])
    """
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ------------------------------------------------------------------ adaptive pooling
def _adaptive_matrix(n, o, like):
    """(o, n): row i averages input[floor(i*n/o) : ceil((i+1)*n/o)], as PyTorch's windows."""
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    cols = np.arange(n)
    m = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
    from .creation import tensor
    return tensor(m, dtype=like.dtype, device=like.device)


def _adaptive_avg(fn, d, input, output_size):
    if input.ndim not in (d + 1, d + 2):
        if d == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{fn})")
        raise RuntimeError(f"{fn}(): Expected {d + 1}D or {d + 2}D tensor, but got "
                           f"{list(input.shape)}")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * d
    output_size = tuple(output_size)
    if len(output_size) != d:
        raise RuntimeError(f"{fn}: output_size must be {d}")
    spatial = input.shape[-d:]
    out = tuple(n if o is None else int(o) for n, o in zip(spatial, output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out)}")
    if all(o and n % o == 0 for n, o in zip(spatial, out)):
        # Equal windows: a plain average pool, cheaper than the matrices below.
        kernel = tuple(n // o for n, o in zip(spatial, out))
        return _avg_pool(fn, d, input, kernel, kernel, 0, False, True, None)
    # Uneven windows are linear maps per dim: one small matmul each (differentiable twice).
    y = input
    for i in range(d):
        axis = input.ndim - d + i
        m = _adaptive_matrix(spatial[i], out[i], input)
        y = (m @ y.movedim(axis, -2)).movedim(-2, axis)
    return y


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length (windows as PyTorch's).

    Example::

        >>> adaptive_avg_pool1d(gg.randn(2, 3, 10), 4).shape
        gpugrad.Size([2, 3, 4])
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (H, W); ``None`` keeps that input size.

    Example::

        >>> adaptive_avg_pool2d(gg.randn(2, 3, 7, 9), (2, None)).shape
        gpugrad.Size([2, 3, 2, 9])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed (D, H, W).

    Example::

        >>> adaptive_avg_pool3d(gg.randn(1, 2, 4, 5, 6), 2).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)
