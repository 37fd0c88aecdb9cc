"""Convolutions: conv1d/2d/3d and conv_transpose1d/2d/3d as im2col and one GEMM.

Three linear maps between an input ``x`` (N, C, *S), a weight ``w`` (O, C/groups, *K) and an
output ``y`` (N, O, *So) carry everything:

- ``Convolution``           y = conv(x, w)          (``transposed=False``)
- ``Convolution``           x = conv_t(y, w)        (``transposed=True``: the adjoint in x)
- ``ConvolutionWeight``     w = conv_w(x, y)        (the adjoint in w)

The derivative of each is made of the other two, so ``create_graph=True`` differentiates a
convolution as often as asked. The columns (im2col) are rebuilt in backward instead of kept:
a convolution saves only its input and weight, and only where a gradient needs them.

Example::

    >>> x = gg.randn(1, 3, 8, 8)
    >>> w = gg.randn(4, 3, 3, 3, requires_grad=True)
    >>> conv2d(x, w, padding=1).shape
    gpugrad.Size([1, 4, 8, 8])
"""
import itertools
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..autograd import function as _function
from ..autograd.function import Function
from ..backend import get_array_module

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

# stride, dilation: tuples per spatial dim; pad_lo/pad_hi: zero padding before/after (they
# differ only for padding='same' with an even effective kernel); groups: an int.
Geometry = namedtuple("Geometry", "stride pad_lo pad_hi dilation groups")


def _prod(values):
    n = 1
    for v in values:
        n *= v
    return n


def _pad_zeros(xp, x, lo, hi):
    """``x`` with zeros around its spatial dims (one allocation, cheaper than ``xp.pad``)."""
    if not any(lo) and not any(hi):
        return x
    shape = x.shape[:2] + tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi))
    out = xp.zeros(shape, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(a, a + s) for a, s in zip(lo, x.shape[2:]))] = x
    return out


def _im2col(x, ksize, geo, out_size, per_sample=False):
    """The windows of ``x`` as one contiguous (G, Cg*prod(K), N*prod(So)) array, or with
    ``per_sample`` as (N, G, Cg*prod(K), prod(So)).

    Laid out (C, *K, N, *So), a single GEMM per group does the whole convolution (the weight
    gradient uses this); laid out (N, C, *K, *So), a batched GEMM over samples writes the
    output directly in (N, O, *So) order, with no transposing copy after it. Either copy reads
    ``x`` along its rows.
    """
    xp = get_array_module(x)
    n, c = x.shape[:2]
    xpd = _pad_zeros(xp, x, geo.pad_lo, geo.pad_hi)
    st = xpd.strides
    d = len(ksize)
    k_strides = tuple(st[2 + i] * geo.dilation[i] for i in range(d))
    o_strides = tuple(st[2 + i] * geo.stride[i] for i in range(d))
    if per_sample:
        shape = (n, c) + tuple(ksize) + tuple(out_size)
        strides = (st[0], st[1]) + k_strides + o_strides
    else:
        shape = (c,) + tuple(ksize) + (n,) + tuple(out_size)
        strides = (st[1],) + k_strides + (st[0],) + o_strides
    win = xp.lib.stride_tricks.as_strided(xpd, shape=shape, strides=strides)
    cols = xp.ascontiguousarray(win)
    g = geo.groups
    rows = (c // g) * _prod(ksize)
    if per_sample:
        return cols.reshape(n, g, rows, _prod(out_size))
    return cols.reshape(g, rows, n * _prod(out_size))


def _padded_size(x_spatial, ksize, geo, out_size):
    return tuple(max(s + a + b, (o - 1) * st + (k - 1) * dl + 1)
                 for s, a, b, o, st, k, dl in zip(x_spatial, geo.pad_lo, geo.pad_hi, out_size,
                                                  geo.stride, ksize, geo.dilation))


def _window_slices(off, geo, out_size):
    """Where the outputs' windows sit, at one kernel offset, in the padded input."""
    return tuple(slice(k * dl, k * dl + (o - 1) * st + 1, st)
                 for k, dl, o, st in zip(off, geo.dilation, out_size, geo.stride))


def _col2im(cols, x_shape, ksize, geo, out_size):
    """Sum columns (C*prod(K), N*prod(So)) back onto an (N, C, *S) array: im2col's adjoint.

    One strided add per kernel offset (9 for a 3x3 kernel), never a loop over pixels.
    """
    xp = get_array_module(cols)
    n, c = x_shape[:2]
    cols = cols.reshape((c,) + tuple(ksize) + (n,) + tuple(out_size))
    acc = xp.zeros((c, n) + _padded_size(x_shape[2:], ksize, geo, out_size), dtype=cols.dtype)
    for off in itertools.product(*(range(k) for k in ksize)):
        acc[(slice(None), slice(None)) + _window_slices(off, geo, out_size)] += \
            cols[(slice(None),) + off]
    acc = acc[(slice(None), slice(None))
              + tuple(slice(a, a + s) for a, s in zip(geo.pad_lo, x_shape[2:]))]
    return xp.ascontiguousarray(acc.swapaxes(0, 1))


def _col2im_channels_last(cols, x_shape, ksize, geo, out_size):
    """:func:`_col2im` for columns laid out (G, N*prod(So), Cg*prod(K)).

    Its adds run along channels, not along output rows: faster where rows are short (the
    small feature maps of deep layers).
    """
    xp = get_array_module(cols)
    n, c = x_shape[:2]
    g = geo.groups
    d = len(ksize)
    cols = cols.reshape((g, n) + tuple(out_size) + (c // g,) + tuple(ksize))
    acc = xp.zeros((g, n) + _padded_size(x_shape[2:], ksize, geo, out_size) + (c // g,),
                   dtype=cols.dtype)
    every = (slice(None),) * (2 + d + 1)
    for off in itertools.product(*(range(k) for k in ksize)):
        acc[(slice(None), slice(None)) + _window_slices(off, geo, out_size)] += \
            cols[every + off]
    acc = acc[(slice(None), slice(None))
              + tuple(slice(a, a + s) for a, s in zip(geo.pad_lo, x_shape[2:]))]
    # (G, N, *S, Cg) -> (N, G, Cg, *S)
    acc = acc.transpose((1, 0, 2 + d) + tuple(range(2, 2 + d)))
    return xp.ascontiguousarray(acc).reshape(x_shape)


# ------------------------------------------------------------------ stride 1 on the CPU
# A stride-1 convolution on NumPy lays its columns out "wide": each output row as long as a
# padded input row. Then the window at each kernel offset is one run of a flat padded plane,
# so im2col copies N*C*prod(K) long runs instead of one short run per output row (several
# times cheaper on small feature maps). The columns past the output's size in an inner dim
# ("junk") hold whatever the run reads across a row's end: a result drops them, and a
# contraction over them meets them only with zeros, and only where those values are finite.
# The batch goes through in chunks whose columns stay in cache.
_CHUNK_BYTES = 1 << 21


def _wide_ok(xp, geo):
    """Whether the wide layout serves: NumPy, and stride 1 in every dim."""
    return xp is np and all(s == 1 for s in geo.stride)


def _has_junk(spatial, geo, out_size):
    """Whether wide columns of an input of this size have junk (inner dims only)."""
    return any(s + a + b != o for s, a, b, o in
               zip(spatial[1:], geo.pad_lo[1:], geo.pad_hi[1:], out_size[1:]))


# Where each wide path pays, measured on OpenBLAS (2 cores) against the general one:
# - forward: dropping the junk copies N*O*out[0] short rows, where im2col saved
#   N*C*prod(K)*out[0] of them;
# - input gradient (as a convolution of the output gradient): its columns grow with O,
#   the col2im it replaces with C;
# - weight gradient: a GEMM per sample runs on one core, the general path's single GEMM
#   on all of them, which wins once the weight is large.
def _wide_forward_pays(x, w, geo, out_size):
    # Without junk (1-d, or rows exactly as wide as the padded input's) the general
    # columns are as long runs already.
    rows = w.shape[1] * _prod(w.shape[2:])
    return rows > 3 * (w.shape[0] // geo.groups) and _has_junk(x.shape[2:], geo, out_size)


def _wide_transpose_pays(y, w, geo):
    return w.shape[0] <= 4 * w.shape[1] * geo.groups


def _wide_weight_pays(x, y, geo, ksize):
    # float16 too would round each sample's product before the sum over the batch.
    g = geo.groups
    return (x.dtype.itemsize >= 4
            and (y.shape[1] // g) * (x.shape[1] // g) * _prod(ksize) <= 2048)


class _Wide:
    """``x`` zero-padded into one flat buffer, and its wide columns by sample ranges.

    ``sp``: the padded spatial size; ``length``: the wide length of an output, L =
    out_size[0] * prod(sp[1:]) (out_size may stop short of the last window that fits: the
    adjoint of output_padding).
    """

    def __init__(self, x, ksize, dilation, pad_lo, pad_hi, out_size):
        n, c = x.shape[:2]
        spatial = x.shape[2:]
        self.sp = sp = tuple(s + a + b for s, a, b in zip(spatial, pad_lo, pad_hi))
        pitch = tuple(_prod(sp[i + 1:]) for i in range(len(sp)))
        self.plane = plane = _prod(sp)
        # The last window of the last plane reads this far past its end (junk columns only).
        slack = sum((k - 1) * dl * st for k, dl, st in zip(ksize[1:], dilation[1:], pitch[1:]))
        self.buf = np.zeros(n * c * plane + slack, dtype=x.dtype)
        self.buf[:n * c * plane].reshape((n, c) + sp)[
            (Ellipsis,) + tuple(slice(a, a + s) for a, s in zip(pad_lo, spatial))] = x
        self.length = out_size[0] * pitch[0]
        self.c, self.ksize, self.out_size = c, tuple(ksize), tuple(out_size)
        item = self.buf.itemsize
        self._strides = ((c * plane * item, plane * item)
                         + tuple(dl * st * item for dl, st in zip(dilation, pitch)) + (item,))
        self.junk = tuple(sp[1:]) != self.out_size[1:]

    def chunks(self, n, rows):
        """Sample ranges whose columns (``rows`` of them per sample) fit the budget."""
        per = max(1, rows * self.length * self.buf.itemsize)
        step = max(1, min(n, _CHUNK_BYTES // per))
        return [(i, min(n, i + step)) for i in range(0, n, step)]

    def cols(self, start, stop, groups):
        """The columns of samples [start, stop) as (n, G, Cg*prod(K), L)."""
        win = np.lib.stride_tricks.as_strided(
            self.buf[start * self.c * self.plane:],
            shape=(stop - start, self.c) + self.ksize + (self.length,), strides=self._strides)
        return np.ascontiguousarray(win).reshape(
            stop - start, groups, (self.c // groups) * _prod(self.ksize), self.length)

    def unwide(self, a):
        """A wide (..., L) result as its (..., *out_size) view (junk columns left out)."""
        a = a.reshape(a.shape[:-1] + (self.out_size[0],) + self.sp[1:])
        return a[(Ellipsis,) + tuple(slice(0, o) for o in self.out_size[1:])]


def _conv_forward_wide(x, w, b, geo, out_size):
    """:func:`_conv_forward` for stride 1: a batched GEMM per sample on wide columns."""
    n, o = x.shape[0], w.shape[0]
    g = geo.groups
    wide = _Wide(x, w.shape[2:], geo.dilation, geo.pad_lo, geo.pad_hi, out_size)
    wm = w.reshape(g, o // g, -1)
    y = np.empty((n, o) + tuple(out_size), dtype=x.dtype)
    for start, stop in wide.chunks(n, wm.shape[2] * g):
        cols = wide.cols(start, stop, g)
        if wide.junk:
            part = np.matmul(wm, cols).reshape(stop - start, o, -1)
            np.copyto(y[start:stop], wide.unwide(part))
        else:
            np.matmul(wm, cols, out=y[start:stop].reshape(cols.shape[:2] + (o // g, -1)))
    if b is not None:
        y += b.reshape((1, o) + (1,) * len(out_size))
    return y


def _conv_transpose_forward_wide(y, w, b, geo, x_spatial):
    """:func:`_conv_transpose_forward` for stride 1, as the convolution of ``y`` padded by
    ``dilation * (k - 1) - padding`` with the flipped, transposed weight; None where that
    padding would be negative, or where the weight is not finite (its products with the
    zero padding would be NaN where col2im adds nothing)."""
    ksize = w.shape[2:]
    lo = tuple((k - 1) * dl - p for k, dl, p in zip(ksize, geo.dilation, geo.pad_lo))
    hi = tuple(xs + (k - 1) * dl - a - ys for xs, k, dl, a, ys in
               zip(x_spatial, ksize, geo.dilation, lo, y.shape[2:]))
    if any(p < 0 for p in lo + hi) or not np.isfinite(w).all():
        return None
    g = geo.groups
    o, cg = w.shape[:2]
    flip = (Ellipsis,) + (slice(None, None, -1),) * len(ksize)
    # (G, O/G, Cg, *K) -> (G, Cg, O/G, *K), flipped: the weight of the adjoint convolution.
    wt = w.reshape((g, o // g, cg) + tuple(ksize)).swapaxes(1, 2)[flip]
    wt = np.ascontiguousarray(wt).reshape((g * cg, o // g) + tuple(ksize))
    return _conv_forward_wide(y, wt, b, Geometry((1,) * len(ksize), lo, hi, geo.dilation, g),
                              tuple(x_spatial))


def _conv_weight_wide(x, y, geo, ksize):
    """The weight gradient for stride 1 as (G, O/G, Cg*prod(K)): per sample, ``y`` widened
    with zeros in its junk columns times the wide columns of ``x`` (finite, so that the
    junk meets only exact zeros)."""
    n, c = x.shape[:2]
    o = y.shape[1]
    g = geo.groups
    wide = _Wide(x, ksize, geo.dilation, geo.pad_lo, geo.pad_hi, y.shape[2:])
    rows = (c // g) * _prod(ksize)
    chunks = wide.chunks(n, rows * g)
    step = chunks[0][1] if chunks else 0
    yw = np.zeros((step, o, y.shape[2]) + wide.sp[1:], dtype=y.dtype) if wide.junk else None
    gw = np.zeros((g, o // g, rows), dtype=y.dtype) if n == 0 else None
    for start, stop in chunks:
        if yw is None:
            part = y[start:stop]
        else:
            part = yw[:stop - start]
            np.copyto(wide.unwide(part.reshape(stop - start, o, -1)), y[start:stop])
        prods = np.matmul(part.reshape(stop - start, g, o // g, -1),
                          wide.cols(start, stop, g).swapaxes(2, 3))
        if gw is None:
            gw = prods.sum(axis=0)
        else:
            gw += prods.sum(axis=0)
    return gw


def _grouped_rows(y, groups):
    """(N, O, *So) as (G, O/G, N*prod(So)): the GEMM layout of an output-shaped array."""
    xp = get_array_module(y)
    n, o = y.shape[:2]
    rows = xp.ascontiguousarray(y.reshape(n, o, _prod(y.shape[2:])).swapaxes(0, 1))
    return rows.reshape(groups, o // groups, -1)


def _conv_forward(x, w, b, geo, out_size):
    xp = get_array_module(x, w)
    if _wide_ok(xp, geo) and _wide_forward_pays(x, w, geo, out_size):
        return _conv_forward_wide(x, w, b, geo, out_size)
    n, o = x.shape[0], w.shape[0]
    g = geo.groups
    cols = _im2col(x, w.shape[2:], geo, out_size, per_sample=True)
    # (G, O/G, Cg*K) @ (N, G, Cg*K, So): one GEMM per sample and group, out as (N, O, *So).
    y = xp.matmul(w.reshape(g, o // g, -1), cols).reshape((n, o) + tuple(out_size))
    if b is not None:
        y += b.reshape((1, o) + (1,) * len(out_size))
    return y


def _conv_transpose_forward(y, w, b, geo, x_spatial):
    xp = get_array_module(y, w)
    if _wide_ok(xp, geo) and _wide_transpose_pays(y, w, geo):
        x = _conv_transpose_forward_wide(y, w, b, geo, x_spatial)
        if x is not None:
            return x
    n, o = y.shape[:2]
    g = geo.groups
    c = w.shape[1] * g
    wm = w.reshape(g, o // g, -1)
    rows = _grouped_rows(y, g)
    x_shape = (n, c) + tuple(x_spatial)
    if y.shape[-1] < c // g:
        # Short output rows, many channels: add along channels instead.
        cols = xp.matmul(rows.swapaxes(1, 2), wm)
        x = _col2im_channels_last(cols, x_shape, w.shape[2:], geo, y.shape[2:])
    else:
        cols = xp.matmul(wm.swapaxes(1, 2), rows)
        x = _col2im(cols, x_shape, w.shape[2:], geo, y.shape[2:])
    if b is not None:
        x += b.reshape((1, c) + (1,) * len(x_spatial))
    return x


class Convolution(Function):
    """``conv(x, w) + b``, or with ``transposed`` its adjoint in x (``conv_t(x, w) + b``).

    ``out_size`` is the spatial size of the result: given explicitly because a transposed
    convolution's output size is not determined by its input (output_padding).
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, w, b, geo, transposed, out_size):
        need = ctx.needs_input_grad
        # Each gradient needs the other operand only.
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.geo, ctx.transposed = geo, transposed
        ctx.in_size, ctx.ksize = x.shape[2:], w.shape[2:]
        if transposed:
            return _conv_transpose_forward(x, w, b, geo, out_size)
        return _conv_forward(x, w, b, geo, out_size)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        geo, need = ctx.geo, ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = Convolution.apply(g, w, None, geo, not ctx.transposed, ctx.in_size)
        if need[1]:
            # The weight gradient correlates the conv-side input with the output side.
            gw = (ConvolutionWeight.apply(g, x, geo, ctx.ksize) if ctx.transposed else
                  ConvolutionWeight.apply(x, g, geo, ctx.ksize))
        if need[2]:
            gb = g.sum(dim=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb, None, None, None


class ConvolutionWeight(Function):
    """The weight gradient of ``conv(x, .)`` given the output gradient ``y``: linear in both."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, y, geo, ksize):
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, y if need[0] else None)
        ctx.geo, ctx.x_size, ctx.y_size = geo, x.shape[2:], y.shape[2:]
        xp = get_array_module(x, y)
        g = geo.groups
        if (_wide_ok(xp, geo) and _wide_weight_pays(x, y, geo, ksize)
                and bool(np.isfinite(x).all())):
            gw = _conv_weight_wide(x, y, geo, tuple(ksize))
            return gw.reshape((y.shape[1], x.shape[1] // g) + tuple(ksize))
        cols = _im2col(x, tuple(ksize), geo, y.shape[2:])
        # As (cols @ rows^T)^T: OpenBLAS is up to 10x slower on rows @ cols^T's layout.
        gw = xp.matmul(cols, _grouped_rows(y, g).swapaxes(1, 2)).swapaxes(1, 2)
        return xp.ascontiguousarray(gw).reshape((y.shape[1], x.shape[1] // g) + tuple(ksize))

    @staticmethod
    def backward(ctx, gw):
        x, y = ctx.saved_tensors
        geo, need = ctx.geo, ctx.needs_input_grad
        # <conv_w(x, y), W> = <conv(x, W), y> = <x, conv_t(y, W)>.
        gx = Convolution.apply(y, gw, None, geo, True, ctx.x_size) if need[0] else None
        gy = Convolution.apply(x, gw, None, geo, False, ctx.y_size) if need[1] else None
        return gx, gy, None, None


# ------------------------------------------------------------------ argument checking
_DIM_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _expand(value, d, name):
    """An int or a sequence as a d-tuple, with PyTorch's message for a wrong length."""
    if isinstance(value, int):
        return (value,) * d
    t = tuple(int(v) for v in value)
    if len(t) == 1:
        return t * d
    if len(t) != d:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {d} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(t)}")
    return t


def _check_float(name, x, w, b):
    for a in (x, w):
        if a._data.dtype.kind != "f":
            raise RuntimeError(f"\"{name}\" not implemented for "
                               f"'{_dt.torch_name(a._data.dtype)}'")
    if w._data.dtype != x._data.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(x._data.dtype)} but found "
                           f"{_dt.torch_name(w._data.dtype)}")
    if b is not None and b._data.dtype != x._data.dtype:
        raise RuntimeError(f"Input type ({_c_name(x)}) and bias type ({_c_name(b)}) should be "
                           f"the same")


def _c_name(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(
        t._data.dtype.name, t._data.dtype.name)


def _check_rank(name, x, w, d):
    if x.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(x.shape)}")
    if w.ndim != d + 2:
        raise RuntimeError(f"Expected {d + 2}-dimensional weight for {d + 2}-dimensional input "
                           f"{list(x.shape)}, but got {w.ndim}-dimensional weight of size "
                           f"{list(w.shape)} instead")


def _check_common(stride, padding, dilation, groups):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(dl <= 0 for dl in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _check_channels(x_shape, w, groups, transposed, b, out_channels):
    ws = list(w.shape)
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{ws}] instead")
    expected = w.shape[0] if transposed else w.shape[1] * groups
    if x_shape[1] != expected:
        prefix = "Given transposed=1" if transposed else f"Given groups={groups}"
        raise RuntimeError(f"{prefix}, weight of size {ws}, expected input{list(x_shape)} to "
                           f"have {expected} channels, but got {x_shape[1]} channels instead")
    if b is not None and (b.ndim != 1 or b.shape[0] != out_channels):
        prefix = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(f"{prefix} of size {ws}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(b.shape)} "
                           f"instead")


def _batched(input, d):
    """``input`` with a batch dim, and whether one was added (unbatched input)."""
    if input.ndim == d + 1:
        return input.unsqueeze(0), True
    return input, False


def _conv(name, d, input, weight, bias, stride, padding, dilation, groups):
    if _function._autocast_hook is not None:    # autocast casts before the dtype checks
        input, weight, bias = _function._autocast_hook("conv", (input, weight, bias))
    _check_rank(name, input, weight, d)
    _check_float(name, input, weight, bias)
    stride = _expand(stride, d, "stride")
    dilation = _expand(dilation, d, "dilation")
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * d
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # An odd total pads one more after than before, as PyTorch.
            total = [dl * (k - 1) for dl, k in zip(dilation, ksize)]
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - t // 2 for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        lo = hi = _expand(padding, d, "padding")
    _check_common(stride, lo, dilation, groups)
    x, unbatched = _batched(input, d)
    _check_channels(x.shape, weight, groups, False, bias, weight.shape[0])
    spatial = x.shape[2:]
    padded = tuple(s + a + b for s, a, b in zip(spatial, lo, hi))
    eff = tuple(dl * (k - 1) + 1 for dl, k in zip(dilation, ksize))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    out = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, stride))
    geo = Geometry(stride, lo, hi, dilation, groups)
    y = Convolution.apply(x, weight, bias, geo, False, out)
    return y.squeeze(0) if unbatched else y


def _conv_transpose(name, d, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    if _function._autocast_hook is not None:    # autocast casts before the dtype checks
        input, weight, bias = _function._autocast_hook("conv", (input, weight, bias))
    _check_rank(name, input, weight, d)
    _check_float(name, input, weight, bias)
    stride = _expand(stride, d, "stride")
    padding = _expand(padding, d, "padding")
    dilation = _expand(dilation, d, "dilation")
    output_padding = _expand(output_padding, d, "output_padding")
    _check_common(stride, padding, dilation, groups)
    if any(op >= s and op >= dl for op, s, dl in zip(output_padding, stride, dilation)):
        # PyTorch runs 1-d as 2-d with a height of one, and names the dims so.
        dd = max(d, 2)
        fill = dd - d
        ops = (0,) * fill + output_padding
        sts = (1,) * fill + stride
        dls = (1,) * fill + dilation
        names = _DIM_NAMES[dd]
        parts = ([f"output_padding_{n}: {v}" for n, v in zip(names, ops)]
                 + [f"stride_{n}: {v}" for n, v in zip(names, sts)]
                 + [f"dilation_{n}: {v}" for n, v in zip(names, dls)])
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           "but got " + " ".join(parts))
    x, unbatched = _batched(input, d)
    _check_channels(x.shape, weight, groups, True, bias, weight.shape[1] * groups)
    ksize = weight.shape[2:]
    out = tuple((s_in - 1) * s - 2 * p + dl * (k - 1) + op + 1
                for s_in, s, p, dl, k, op in zip(x.shape[2:], stride, padding, dilation, ksize,
                                                 output_padding))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))})."
                           f" Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")
    geo = Geometry(stride, padding, padding, dilation, groups)
    y = Convolution.apply(x, weight, bias, geo, True, out)
    return y.squeeze(0) if unbatched else y


# ------------------------------------------------------------------ public functions
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C, L) or unbatched (C, L) input.

    Example::

        >>> conv1d(gg.randn(2, 3, 10), gg.randn(4, 3, 3), padding="same").shape
        gpugrad.Size([2, 4, 10])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over (N, C, H, W) or unbatched (C, H, W) input.

    ``padding`` is an int, a pair, ``'valid'`` or ``'same'``; weight is
    (out_channels, in_channels / groups, kH, kW).

    Example::

        >>> conv2d(gg.randn(1, 3, 8, 8), gg.randn(4, 3, 3, 3), stride=2, padding=1).shape
        gpugrad.Size([1, 4, 4, 4])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or unbatched (C, D, H, W) input.

    Example::

        >>> conv3d(gg.randn(1, 2, 4, 4, 4), gg.randn(3, 2, 3, 3, 3)).shape
        gpugrad.Size([1, 3, 2, 2, 2])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution; weight is (in_channels, out_channels / groups, kL).

    Example::

        >>> conv_transpose1d(gg.randn(1, 4, 5), gg.randn(4, 2, 3), stride=2).shape
        gpugrad.Size([1, 2, 11])
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    Weight is (in_channels, out_channels / groups, kH, kW), as PyTorch's.

    Example::

        >>> conv_transpose2d(gg.randn(1, 4, 5, 5), gg.randn(4, 2, 3, 3), stride=2,
        ...                  padding=1, output_padding=1).shape
        gpugrad.Size([1, 2, 10, 10])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution; weight is (in_channels, out_channels / groups, kD, kH, kW).

    Example::

        >>> conv_transpose3d(gg.randn(1, 2, 3, 3, 3), gg.randn(2, 1, 2, 2, 2)).shape
        gpugrad.Size([1, 1, 4, 4, 4])
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
