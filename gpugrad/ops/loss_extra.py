"""Margin, embedding and likelihood losses with PyTorch's semantics, reductions and errors.

Every loss here is a composition of differentiable gpugrad ops (so gradients of any order come
for free); only integer targets are turned into constant masks on the raw arrays first. The
formulas follow ATen's, term for term, so that values and gradients agree with PyTorch's, ties
and masked entries included.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.soft_margin_loss(gg.tensor([0.0]), gg.tensor([1.0]))
    tensor(0.6931)
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module
from ..tensor import Tensor, _make
from .activation import check_float, logsigmoid
from .arithmetic import minimum, where
from .creation import ones_like
from .indexing import gather
from .loss import _check_reduction, _legacy_reduction, _reduce
from .distance import pairwise_distance

__all__ = ["soft_margin_loss", "hinge_embedding_loss", "margin_ranking_loss",
           "cosine_embedding_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
           "multilabel_margin_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss"]


def _legacy(size_average, reduce):
    """Whether the deprecated flags were given. Each loss then calls ``_legacy_reduction``
    itself, so that its warning points at the caller's line; otherwise a bad ``reduction``
    is refused before anything else, as ATen's losses do."""
    return size_average is not None or reduce is not None


def _long_target(target):
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{_dt.torch_name(target._data.dtype)}")


# ------------------------------------------------------------------ elementwise margins
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))``, targets in {-1, 1}.

    Example::

        >>> F.soft_margin_loss(gg.tensor([2.0, -1.0]), gg.tensor([1.0, -1.0]), reduction="sum")
        tensor(0.4402)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    if target.requires_grad and is_grad_enabled():
        # ATen defines no derivative for the target; torch refuses it up front.
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    return _reduce((-input * target).exp().log1p(), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``.

    Example::

        >>> F.hinge_embedding_loss(gg.tensor([0.3, 0.4]), gg.tensor([1, -1]), reduction="none")
        tensor([0.3000, 0.6000])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    # As ATen: other target values contribute both terms, which is what torch computes.
    margin_part = where(target != 1, (margin - input).clamp_min(0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: rank ``input1`` above ``input2``
    where ``target == 1`` and below it where ``target == -1``.

    Example::

        >>> F.margin_ranking_loss(gg.tensor([1.0]), gg.tensor([2.0]), gg.tensor([1.0]))
        tensor(1.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``; rows of 2-D inputs with a 1-D target, or 1-D inputs with a 0-D target.

    Example::

        >>> F.cosine_embedding_loss(gg.tensor([[1.0, 0.0]]), gg.tensor([[0.0, 1.0]]),
        ...                         gg.tensor([1]))
        tensor(1.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12                          # ATen's EPSILON, added to both squared magnitudes
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + eps
    mag2 = (input2 * input2).sum(tdim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


# ------------------------------------------------------------------ multi-class margins
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class logistic loss averaged over the last (class) dim; ``target`` in {0, 1}.

    Example::

        >>> F.multilabel_soft_margin_loss(gg.zeros(1, 2), gg.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def _frames(input):
    """(rows, classes) of a margin loss's input, as ATen's shape check reads it."""
    shape = tuple(input.shape)
    nd = len(shape)
    if not ((nd == 2 and shape[1] != 0) or (nd == 1 and shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(shape)}")
    return (1, 1 if nd == 0 else shape[0]) if nd <= 1 else shape


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge: ``sum_{i != y} max(0, margin - x[y] + x[i])**p * w[y] / C`` per row,
    with ``p`` 1 or 2 and ``target`` holding one class index per row.

    Example::

        >>> F.multi_margin_loss(gg.tensor([[0.1, 0.2, 0.4, 0.8]]), gg.tensor([3]))
        tensor(0.3250)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    nframe, dim = _frames(input)
    if target.ndim > 1 or target.numel() != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{list(weight.shape)}")
    check_float("multi_margin_loss_cpu_kernel", input._data)
    _long_target(target)
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(input._data.dtype)} but found "
                           f"{_dt.torch_name(weight._data.dtype)}")
    t = target._data.reshape(nframe)
    if t.size and bool(((t < 0) | (t >= dim)).any()):
        raise RuntimeError("target out of range")
    xp = get_array_module(t)
    x = input.reshape(nframe, dim)
    col = _make(t.reshape(nframe, 1))
    z = margin - gather(x, 1, col) + x
    # The target's own column is no term of the sum (its z would be the margin itself).
    others = _make(xp.arange(dim).reshape(1, dim) != t.reshape(nframe, 1))
    h = z.clamp_min(0)
    if p == 2:
        h = h * h
    h = where(others, h, 0.0)
    if weight is not None:
        h = h * _make(weight._data[t].reshape(nframe, 1))
    loss = h.sum(1) / dim
    if reduction == "none":
        return loss if target.ndim > 0 else loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge: ``sum_{j in y} sum_{i not in y} max(0, 1 - x[j] + x[i]) / C`` per
    row, where ``y`` is the row of ``target`` up to its first -1.

    Example::

        >>> F.multilabel_margin_loss(gg.tensor([[0.1, 0.2, 0.4, 0.8]]),
        ...                          gg.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    nframe, dim = _frames(input)
    ok = (target.ndim <= 1 and target.numel() == dim) if input.ndim <= 1 else \
        (target.ndim == 2 and tuple(target.shape) == (nframe, dim))
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    check_float("multilabel_margin_loss_forward_out_frame", input._data)
    _long_target(target)
    t = target._data.reshape(nframe, dim)
    if t.size and bool(((t < -1) | (t >= dim)).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    xp = get_array_module(t)
    # The labels of a row stop at its first -1; a label listed twice counts twice, as in ATen.
    listed = xp.cumsum(t == -1, axis=1) == 0
    hits = (t[:, :, None] == xp.arange(dim)) & listed[:, :, None]
    count = hits.sum(axis=1)                                       # (N, C)
    pair_w = count[:, :, None] * (count == 0)[:, None, :]          # (N, j target, i other)
    x = input.reshape(nframe, dim)
    z = 1 - x.unsqueeze(2) + x.unsqueeze(1)
    loss = (z.clamp_min(0) * _make(pair_w.astype(input._data.dtype))).sum((1, 2)) / dim
    if reduction == "none":
        return loss if target.ndim > 1 else loss.reshape(())
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ likelihoods
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood: ``exp(input) - target * input`` with ``log_input``,
    else ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)`` where ``target > 1``.

    Example::

        >>> F.poisson_nll_loss(gg.tensor([0.0]), gg.tensor([1.0]))
        tensor(1.)
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # Computed everywhere, used where target > 1 (0 * log(0) is NaN and masked off).
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)


class _ClampKeepGrad(Function):
    """``max(var, eps)`` whose gradient passes through unchanged, as torch's in-place clamp
    of a clone under ``no_grad`` does in ``gaussian_nll_loss``."""
    _array_forward = True

    @staticmethod
    def forward(ctx, var, eps):
        xp = get_array_module(var)
        return xp.maximum(var, xp.asarray(eps, dtype=var.dtype)) if var.dtype.kind == "f" \
            else xp.maximum(var, eps)

    @staticmethod
    def backward(ctx, g):
        return g, None


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target)**2 / var)``.

    ``var`` is a float, a tensor of the input's shape, or one that differs from it in one
    dimension of size 1 (or lacks the last dimension): one variance shared along it. ``var`` is
    clamped to ``eps`` for the value but not for the gradient; ``full`` adds
    ``0.5 * log(2 * pi)``.

    Example::

        >>> F.gaussian_nll_loss(gg.tensor([1.0]), gg.tensor([1.0]), 1.0)
        tensor(0.)
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif not isinstance(var, Tensor):
        raise TypeError(f"var must be a Tensor or a float, got {type(var).__name__}")
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and
                  sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    var = _ClampKeepGrad.apply(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ triplets
def _same_ndim(anchor, positive, negative):
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{p}D, and negative {n}D inputs")


def _triplet(dist, anchor, positive, negative, margin, swap, reduction):
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        # Balntas et al.: use the positive as anchor when it is closer to the negative.
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the p-norm distance over the last dim.

    Example::

        >>> a = gg.tensor([[0.0, 0.0]])
        >>> F.triplet_margin_loss(a, a, gg.tensor([[3.0, 4.0]]), margin=6.0)
        tensor(1.0000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction) \
        if _legacy(size_average, reduce) else _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _same_ndim(anchor, positive, negative)
    return _triplet(lambda x, y: pairwise_distance(x, y, p, eps), anchor, positive, negative,
                    margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """The triplet margin loss with any ``distance_function(x1, x2)`` (default: the
    Euclidean pairwise distance).

    Example::

        >>> a = gg.tensor([[0.0, 0.0]])
        >>> F.triplet_margin_with_distance_loss(
        ...     a, a, gg.tensor([[1.0, 1.0]]),
        ...     distance_function=lambda x, y: (x - y).abs().sum(-1))
        tensor(0.)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _same_ndim(anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    return _triplet(dist, anchor, positive, negative, margin, swap, reduction)
