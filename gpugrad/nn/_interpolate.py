"""``interpolate`` (resizing of (N, C, ...) inputs), as ``torch.nn.functional.interpolate``.

Every mode is separable: along each spatial axis, output position ``i`` is a weighted sum of
a few input positions ``idx[i, k]`` with weights ``w[i, k]``. The positions and weights are
computed on the host (they depend on sizes only), with PyTorch's formulas in the input's
precision (float32 for float32 input, as PyTorch's CPU kernels), and applied with
``index_select``, multiplication and ``sum``: every mode is differentiable to any order,
on either device.

Example::

    >>> x = gg.arange(4.0).reshape(1, 1, 2, 2)
    >>> F.interpolate(x, scale_factor=2, mode="nearest")[0, 0]
    tensor([[0., 0., 1., 1.],
            [0., 0., 1., 1.],
            [2., 2., 3., 3.],
            [2., 2., 3., 3.]])
"""
import math
import numbers
import warnings

import numpy as np

from ..ops.creation import tensor
from ..ops.indexing import index_select
from ..ops.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}
_ALL_MODES = ("nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
              "nearest-exact")


def _is_integer(x):
    if isinstance(x, numbers.Integral):
        return True
    return hasattr(x, "dtype") and getattr(x, "ndim", 1) == 0 and \
        np.dtype(getattr(x.dtype, "name", x.dtype)).kind in "iub"


# ------------------------------------------------------------------ per-axis taps
def _scale(in_size, out_size, align_corners, scale, ft):
    """Source step per output step: PyTorch's area_pixel_compute_scale."""
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _source(scale, out_size, align_corners, cubic, ft):
    """Real source coordinate of every output position (area_pixel_compute_source_index)."""
    dst = np.arange(out_size, dtype=ft)
    if align_corners:
        return scale * dst
    src = scale * (dst + ft(0.5)) - ft(0.5)
    return src if cubic else np.maximum(src, ft(0))


def _guard(src, in_size):
    """Left neighbour and fraction, clamped as PyTorch's guard_index_and_lambda."""
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - i0.astype(src.dtype), 0, 1).astype(src.dtype)
    return i0, lam


def _nearest_taps(in_size, out_size, scale, exact):
    # PyTorch computes nearest indices in float32 whatever the input dtype.
    f32 = np.float32
    if not exact and out_size == in_size:
        return np.arange(out_size)[:, None], None
    if not exact and out_size == 2 * in_size:
        return (np.arange(out_size) >> 1)[:, None], None
    s = f32(1.0 / scale) if scale is not None and scale > 0 else f32(in_size) / f32(out_size)
    dst = np.arange(out_size, dtype=np.float64)
    if exact:
        # (dst + 0.5) is a double there; the product is rounded to float before floorf.
        src = ((dst + 0.5) * np.float64(s)).astype(f32)
    else:
        src = dst.astype(f32) * s
    idx = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    return idx[:, None], None


def _linear_taps(in_size, out_size, scale, align_corners, ft):
    s = _scale(in_size, out_size, align_corners, scale, ft)
    i0, lam = _guard(_source(s, out_size, align_corners, False, ft), in_size)
    i1 = i0 + (i0 < in_size - 1)
    return np.stack([i0, i1], 1), np.stack([ft(1) - lam, lam], 1)


def _cubic_weights(t, a):
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    one = t.dtype.type(1)
    return np.stack([far(t + one), near(t), near(one - t), far(one - t + one)], 1)


def _cubic_taps(in_size, out_size, scale, align_corners, ft):
    s = _scale(in_size, out_size, align_corners, scale, ft)
    i0, lam = _guard(_source(s, out_size, align_corners, True, ft), in_size)
    idx = np.clip(i0[:, None] - 1 + np.arange(4), 0, in_size - 1)
    return idx, _cubic_weights(lam, ft(-0.75)).astype(ft)


def _aa_filter(mode, x):
    x = np.abs(x)
    if mode == "bilinear":
        return np.where(x < 1, 1 - x, 0)
    if mode == "lanczos":  # Lanczos-3: sinc(x) * sinc(x / 3) inside |x| < 3
        return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0)
    a = -0.5
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0))


def _antialias_taps(in_size, out_size, scale, align_corners, mode, ft):
    """PIL-style resampling: the filter widened by the downscale factor, weights normalised."""
    interp_size = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]
    s = _scale(in_size, out_size, align_corners, scale, ft)
    support = (interp_size / 2) * s if s >= 1.0 else interp_size * 0.5
    # align_corners changes only the scale here (PyTorch shifts by half a pixel for it on
    # uint8 images alone).
    invscale = 1.0 / s if s >= 1.0 else 1.0
    rows = []
    for i in range(out_size):
        center = s * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        j = np.arange(lo, hi)
        w = _aa_filter(mode, (j - center + 0.5) * invscale)
        total = w.sum()
        rows.append((j, w / total if total != 0 else w))
    width = max(len(j) for j, _ in rows)
    idx = np.zeros((out_size, width), dtype=np.int64)
    wts = np.zeros((out_size, width), dtype=ft)
    for i, (j, w) in enumerate(rows):
        idx[i, :len(j)] = j
        wts[i, :len(j)] = w
    return idx, wts


def _along(x, axis, idx, w):
    """Output[..., i, ...] = sum_k x[..., idx[i, k], ...] * w[i, k] along ``axis``."""
    out_size, k = idx.shape
    if w is None and k == 1 and out_size == x.shape[axis] and \
            (idx[:, 0] == np.arange(out_size)).all():
        return x
    picked = index_select(x, axis, tensor(idx.reshape(-1), device=x.device))
    if w is None:
        return picked
    shape = x.shape[:axis] + (out_size, k) + x.shape[axis + 1:]
    picked = picked.reshape(shape)
    weights = tensor(w.reshape((out_size, k) + (1,) * (x.ndim - axis - 1)), dtype=x.dtype,
                     device=x.device)
    return (picked * weights).sum(axis + 1)


def _resize(input, output_size, scales, mode, align_corners, antialias):
    ft = np.float32 if input.dtype.itemsize <= 4 else np.float64
    x = input
    for i, out_size in enumerate(output_size):
        axis = i + 2
        in_size = x.shape[axis]
        scale = scales[i] if scales is not None else None
        if mode in ("nearest", "nearest-exact"):
            idx, w = _nearest_taps(in_size, out_size, scale, mode == "nearest-exact")
        elif antialias:
            idx, w = _antialias_taps(in_size, out_size, scale, align_corners, mode, ft)
        elif mode == "bicubic":
            idx, w = _cubic_taps(in_size, out_size, scale, align_corners, ft)
        else:
            idx, w = _linear_taps(in_size, out_size, scale, align_corners, ft)
        x = _along(x, axis, idx, w)
    return x


def _check_sizes(input, output_size):
    spatial = tuple(input.shape[2:])
    if any(s <= 0 for s in spatial) or any(o <= 0 for o in output_size):
        names = ("D", "H", "W")[3 - len(spatial):]

        def text(sizes):
            return "(" + ", ".join(f"{n}: {v}" for n, v in zip(names, sizes)) + ")"
        # PyTorch's 1-D kernels say "and output", the 2-D and 3-D ones "output".
        joint = " and output " if len(spatial) == 1 else " output "
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"{text(spatial)}{joint}{text(output_size)}")


# ------------------------------------------------------------------ public functions
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) ``input`` to
    ``size`` or by ``scale_factor``.

    Modes: ``nearest``, ``nearest-exact``, ``linear`` (3-D), ``bilinear`` / ``bicubic``
    (4-D, with optional ``antialias``), ``trilinear`` (5-D), ``lanczos`` (4-D, Lanczos-3,
    needs ``antialias=True``), ``area`` (adaptive average pooling). ``align_corners``
    (interpolating modes only) maps corner pixel centres onto each other. With
    ``scale_factor``, the output is ``floor(in * scale_factor)`` and the sampling uses the
    factor itself unless ``recompute_scale_factor=True``.

    Example::

        >>> x = gg.tensor([[[0.0, 1.0]]])
        >>> F.interpolate(x, size=3, mode="linear", align_corners=True)
        tensor([[[0.0000, 0.5000, 1.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and output "
                    f"size of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types "
                    f"{[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                    "format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    supported = mode in ("nearest", "nearest-exact", "area") and input.ndim in (3, 4, 5)
    supported = supported or _LINEAR_MODES.get(mode) == input.ndim or \
        (mode in ("bicubic", "lanczos") and input.ndim == 4)
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if not supported:
        wanted = _LINEAR_MODES.get(mode)
        if input.ndim in (3, 4, 5) and wanted is not None:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                      f"{wanted}D input")
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: {_ALL_MODES} "
                                  f"(got {mode})")
    if output_size is None:
        # The size the kernels compute: the product truncated, in double precision.
        output_size = [math.floor(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
    if mode not in ("nearest", "nearest-exact") and input._data.dtype.kind != "f":
        # The weights are fractions; PyTorch's uint8 image path (rounded fixed-point
        # weights) has no counterpart here, and its other integer types raise too.
        raise NotImplementedError(f"interpolate: mode '{mode}' needs a floating-point input, "
                                  f"got {input.dtype}")
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1]
        return pool(input, output_size)
    _check_sizes(input, output_size)
    return _resize(input, output_size, scale_factors, mode, align_corners, antialias)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated spelling of :func:`interpolate` (warns, as PyTorch's)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')`` (warns, as PyTorch's)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)`` (warns)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
