"""``F.pad`` as ``torch.nn.functional.pad``: constant, reflect, replicate and circular modes.

Constant padding is one Function (fill, then copy the input in; its gradient is the inner
block), with negative widths cropping first. The other three modes are one gather by index
arrays, built per padded dim: its backward scatter-adds, and is differentiable again. Negative
widths crop there too: reflect and replicate index the original input (as PyTorch's kernels),
circular wraps around what is left after the crop (as PyTorch's ``_pad_circular``).

Example::

    >>> F.pad(gg.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
"""
import operator

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from .indexing import GetItem

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPadNd(Function):
    """``x`` placed inside a block filled with ``value``; the gradient is the inner block."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, widths, value):
        xp = get_array_module(x)
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
        out = xp.full(shape, value, dtype=x.dtype)
        ctx.region = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape, widths))
        out[ctx.region] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return g[ctx.region], None, None


def _type_name(value):
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _ints(pad):
    """``pad`` as a list of ints, with PyTorch's TypeError for anything else."""
    if hasattr(pad, "tolist") and hasattr(pad, "_data"):      # a gpugrad Tensor
        pad = pad.tolist()
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{_type_name(pad)}")
    out = []
    for i, p in enumerate(pad):
        if hasattr(p, "_data") and hasattr(p, "item"):         # a 0-d integer Tensor
            p = p.item()
        try:
            if isinstance(p, float):
                raise TypeError
            out.append(operator.index(p))
        except TypeError:
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}") from None
    return out


def _constant(input, widths, value):
    """Crop where a width is negative (as PyTorch's ``narrow``), then fill around."""
    sizes = []
    for n, (lo, hi) in zip(input.shape, widths):
        n = n + min(lo, 0)
        if n < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        n = n + min(hi, 0)
        if n < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        sizes.append(n)
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        input = input[tuple(slice(max(-lo, 0), max(-lo, 0) + n)
                            for n, (lo, hi) in zip(sizes, widths))]
    pos = tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
    return ConstantPadNd.apply(input, pos, 0.0 if value is None else value)


def _check_reflect_replicate(input, k, widths, mode):
    """PyTorch's checks of reflection_pad{k}d / replication_pad{k}d, in its order."""
    shape = list(input.shape)
    nd = len(shape)
    batched = nd == k + 2
    if any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{shape}")
    spatial = shape[nd - k:]
    outs = [n + lo + hi for n, (lo, hi) in zip(spatial, widths[nd - k:])]
    if mode == "reflect":
        # W first, then H, then D: arguments #4, #6, #8 of PyTorch's kernels.
        for j, d in enumerate(reversed(range(nd - k, nd))):
            lo, hi = widths[d]
            if not (lo < shape[d] and hi < shape[d]):
                raise RuntimeError(f"Argument #{4 + 2 * j}: Padding size should be less than "
                                   f"the corresponding input dimension, but got: padding "
                                   f"({lo}, {hi}) at dimension {d} of input {shape}")
    if all(o < 1 for o in outs):
        if k == 1:
            raise RuntimeError(f"input (W: {spatial[0]}) is too small. Calculated output W: "
                               f"{outs[0]}")
        if k == 2:
            gap = " " if mode == "replicate" else ""     # sic: PyTorch's replicate message
            raise RuntimeError(f"input (H: {spatial[0]}, W: {spatial[1]}{gap}) is too small. "
                               f"Calculated output H: {outs[0]} W: {outs[1]}")
        raise RuntimeError(f"input (D: {spatial[0]} H: {spatial[1]}, W: {spatial[2]}) is too "
                           f"small. Calculated output D: {outs[0]} H: {outs[1]} W: {outs[2]}")
    for o in outs:
        if o < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {o}: "
                               f"{shape[:nd - k] + outs}")
    if input._data.dtype.kind == "b":
        op = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f"\"{op}_pad{k}d\" not implemented for "
                                  f"'{_dt.torch_name(input._data.dtype)}'")


def _check_circular(input, k, widths):
    nd = input.ndim
    for d in range(nd - k, nd):
        n, (lo, hi) = input.shape[d], widths[d]
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + lo + hi < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        left = n - max(-lo, 0) - max(-hi, 0)        # what the crop leaves to wrap around
        if left <= 0 < n + lo + hi:
            raise RuntimeError("Padding value causes wrapping around more than once.")


def _index(xp, n, lo, hi, mode):
    """Where each output position of a dim of size ``n`` padded by (lo, hi) reads from."""
    if mode == "circular":
        start = max(-lo, 0)
        left = n - start - max(-hi, 0)
        i = xp.arange(-max(lo, 0), left + max(hi, 0))
        return start + i % left if left > 0 else i
    i = xp.arange(-lo, n + hi)
    if mode == "reflect":
        return (n - 1) - xp.abs((n - 1) - xp.abs(i))
    return xp.clip(i, 0, n - 1)                      # replicate


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.

    ``mode``: ``'constant'`` (any number of dims; negative widths crop), ``'reflect'``,
    ``'replicate'`` or ``'circular'`` (the last 1, 2 or 3 dims of a batched or unbatched
    input). ``value`` fills in constant mode; the other modes take none (or 0).

    Example::

        >>> F.pad(gg.tensor([[1.0, 2.0]]), (1, 1)).tolist()
        [[0.0, 1.0, 2.0, 0.0]]
        >>> F.pad(gg.tensor([[[1.0, 2.0, 3.0]]]), (-1, 2), mode="circular").tolist()
        [[[2.0, 3.0, 2.0, 3.0]]]
    """
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pad = _ints(pad)
    nd = input.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    widths = [(0, 0)] * (nd - k) + [(pad[2 * j], pad[2 * j + 1]) for j in reversed(range(k))]
    if mode == "constant":
        return _constant(input, widths, value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\nSupported "
            "combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads "
            "last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        _check_circular(input, k, widths)
    else:
        _check_reflect_replicate(input, k, widths, mode)
    xp = input._array_module
    idx = [slice(None)] * (nd - k)
    for j, d in enumerate(range(nd - k, nd)):
        view = [1] * k
        view[j] = -1
        idx.append(_index(xp, input.shape[d], *widths[d], mode).reshape(view))
    # A gather by index arrays: its backward scatter-adds, and is differentiable again.
    return GetItem.apply(input, tuple(idx), True)
