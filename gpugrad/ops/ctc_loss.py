"""Connectionist temporal classification loss, as ``torch.nn.functional.ctc_loss``.

One node per call: the forward runs the alpha (forward-variable) recursion in log space, one
vectorised step per time step over the whole batch and every position of the blank-extended
target; the backward runs the beta recursion the same way and combines both into PyTorch's
gradient. That gradient is PyTorch's exactly: ``exp(log_probs) - exp(log(alpha * beta) + nll -
log_probs)`` per class, which is the gradient with respect to the logits when ``log_probs`` is
a ``log_softmax`` of them (the ``exp(log_probs)`` term vanishes through that ``log_softmax``).
So check it through a ``log_softmax``, as PyTorch's own tests do. Like PyTorch's, the backward
is not differentiable again: a second backward through it raises.

Example::

    >>> lp = gg.randn(6, 2, 4).log_softmax(2)
    >>> F.ctc_loss(lp, gg.tensor([[1, 2], [3, 3]]), [6, 5], [2, 2]).shape
    gpugrad.Size([])
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make
from .arithmetic import where
from .loss import _check_reduction

__all__ = ["ctc_loss"]

_WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"


def _lse(*terms):
    """Elementwise log(sum(exp(terms))) that stays -inf (not NaN) where every term is -inf."""
    xp = get_array_module(terms[0])
    m = terms[0]
    for a in terms[1:]:
        m = xp.maximum(m, a)
    safe = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = sum(xp.exp(a - safe) for a in terms)
        return xp.where(m == -np.inf, -np.inf, xp.log(s) + safe).astype(m.dtype, copy=False)


def _shift(a, k, fill):
    """``a`` moved ``k`` places along the last axis (right for k > 0, left for k < 0)."""
    xp = get_array_module(a)
    out = xp.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CtcLoss(Function):
    """Per-sample CTC negative log-likelihood of ``log_probs`` (T, N, C) given the
    blank-extended targets ``ext`` (N, 2 * S + 1)."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, log_probs, ext, in_len, tg_len, zero_infinity):
        xp = get_array_module(log_probs)
        T, N, _ = log_probs.shape
        S2 = ext.shape[1]
        neg_inf = -np.inf
        lpe = log_probs[:, xp.arange(N)[:, None], ext]            # (T, N, S2)
        pos = xp.arange(S2)
        # Skipping over a blank into position s is allowed between two different labels.
        skip = (pos % 2 == 1) & (pos >= 2) & (ext != _shift(ext, 2, -1))
        la = xp.full((T, N, S2), neg_inf, dtype=log_probs.dtype)
        if T:
            la[0, :, 0] = lpe[0, :, 0]
            if S2 > 1:
                la[0, :, 1] = xp.where(tg_len > 0, lpe[0, :, 1], neg_inf)
        for t in range(1, T):
            a = la[t - 1]
            a2 = xp.where(skip, _shift(a, 2, neg_inf), neg_inf)
            la[t] = _lse(a, _shift(a, 1, neg_inf), a2) + lpe[t]
        last = xp.maximum(in_len - 1, 0)
        rows = xp.arange(N)
        end = la[last, rows, 2 * tg_len]
        end_label = xp.where(tg_len > 0, la[last, rows, xp.maximum(2 * tg_len - 1, 0)], neg_inf)
        nll = -_lse(end, end_label)
        # With no time steps only the empty target has any probability.
        nll = xp.where(in_len == 0, xp.where(tg_len == 0, -0.0, np.inf), nll)
        nll = nll.astype(log_probs.dtype, copy=False)
        ctx.zero_infinity = zero_infinity
        ctx.save_for_backward(log_probs, ext, in_len, tg_len, la, nll)
        return nll

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        lp, ext, in_len, tg_len, la, nll = (s._data for s in saved)
        grad = _ctc_grad(lp, ext, in_len, tg_len, la, nll, ctx.zero_infinity)
        return CtcLossGrad.apply(grad, saved[0], g), None, None, None, None


class CtcLossGrad(Function):
    """``grad * g`` per sample; a node that refuses to be differentiated, as PyTorch's.

    ``log_probs`` is an argument only so that a ``create_graph`` backward records this node
    whenever the gradient depends on it: differentiating again then raises, instead of
    treating the CTC gradient as a constant and giving wrong second derivatives.
    """
    _array_forward = True

    @staticmethod
    def forward(ctx, grad, log_probs, g):
        return grad * g.reshape(1, -1, 1)

    @staticmethod
    def backward(ctx, G):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _ctc_grad(lp, ext, in_len, tg_len, la, nll, zero_infinity):
    """PyTorch's CTC gradient for a unit output gradient, from alpha and the beta recursion."""
    xp = get_array_module(lp)
    T, N, C = lp.shape
    S2 = ext.shape[1]
    neg_inf = -np.inf
    lpe = lp[:, xp.arange(N)[:, None], ext]
    pos = xp.arange(S2)
    in_target = pos[None, :] <= 2 * tg_len[:, None]                # (N, S2)
    # Beta may jump from s to s + 2 where alpha may jump from s to s + 2.
    skip = (pos % 2 == 1) & (pos >= 2) & (ext != _shift(ext, 2, -1))
    skip_from = _shift(skip, -2, False)
    at_end = (pos[None, :] == 2 * tg_len[:, None]) | \
        ((pos[None, :] == 2 * tg_len[:, None] - 1) & (tg_len[:, None] > 0))
    lb = xp.full((T, N, S2), neg_inf, dtype=lp.dtype)
    nxt = xp.full((N, S2), neg_inf, dtype=lp.dtype)
    for t in range(T - 1, -1, -1):
        b2 = xp.where(skip_from, _shift(nxt, -2, neg_inf), neg_inf)
        rec = _lse(nxt, _shift(nxt, -1, neg_inf), b2) + lpe[t]
        start = xp.where(at_end, lpe[t], neg_inf)
        step = (t == in_len - 1)[:, None]
        inside = (t < in_len - 1)[:, None]
        cur = xp.where(step, start, xp.where(inside, rec, neg_inf))
        lb[t] = xp.where(in_target, cur, neg_inf)
        nxt = lb[t]
    lab = la + lb
    lab = xp.where((xp.arange(T)[:, None, None] < in_len[None, :, None]) & in_target[None],
                   lab, neg_inf)
    # log(sum over the positions s holding class c of alpha * beta), per (t, n, c).
    m = lab.max(axis=2, keepdims=True) if S2 else xp.full((T, N, 1), neg_inf, lp.dtype)
    m = xp.where(xp.isfinite(m), m, 0)
    onehot = (ext[:, :, None] == xp.arange(C)).astype(lp.dtype)   # (N, S2, C)
    acc = xp.einsum("tns,nsc->tnc", xp.exp(lab - m), onehot)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lcab = xp.log(acc) + m
        grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
    keep = xp.arange(T)[:, None] < in_len[None, :]
    if zero_infinity:
        keep = keep & (nll != np.inf)[None, :]
    return xp.where(keep[:, :, None], grad, 0).astype(lp.dtype, copy=False)


def _lengths(lengths, name):
    """Host int64 array of lengths given as a tensor or a sequence of ints."""
    if isinstance(lengths, Tensor):
        if lengths._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return np.asarray(lengths.tolist(), dtype=np.int64).reshape(-1)
    return np.asarray(list(lengths), dtype=np.int64).reshape(-1)


def _extended_targets(targets, tl, n_classes, blank, xp):
    """(N, 2 * max(tl) + 1) int64: blank, label 1, blank, label 2, ... blank; positions past a
    sample's own target hold the blank."""
    t = targets._data.astype(np.int64, copy=False)
    N = len(tl)
    smax = int(tl.max()) if N else 0
    cols = np.arange(smax)
    used = cols[None, :] < tl[:, None]
    if t.ndim == 1:
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]]) if N else np.zeros(0, np.int64)
        idx = np.where(used, starts[:, None] + cols[None, :], 0)
        labels = t[xp.asarray(idx)] if t.size else xp.zeros(idx.shape, np.int64)
    else:
        labels = t[:, :smax]
    # Labels outside [0, C) have no defined meaning; keep them from indexing out of range.
    labels = xp.where(xp.asarray(used), xp.clip(labels, 0, n_classes - 1), blank)
    ext = xp.full((N, 2 * smax + 1), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    return ext


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """CTC loss of ``log_probs`` (T, N, C) or (T, C), log-softmaxed over classes, against
    ``targets``: padded (N, S) or all concatenated (sum(target_lengths),).

    ``reduction='mean'`` divides each sample's loss by its target length before averaging
    over the batch; ``zero_infinity`` turns impossible alignments' infinite losses (and their
    gradients) into zeros.

    Example::

        >>> lp = gg.randn(5, 3).log_softmax(1)
        >>> F.ctc_loss(lp, gg.tensor([1, 2]), [5], [2], reduction="none").shape
        gpugrad.Size([])
    """
    _check_reduction(reduction)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp._data.dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{_dt.torch_name(lp._data.dtype)}'")
    if lp.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional "
                           f"tensor for argument #1 'log_probs'{_WHERE}")
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional "
                           f"tensor for argument #2 'targets'{_WHERE}")
    T, N, C = lp.shape
    if lp.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if len(il) != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {v}{_WHERE}")
    if targets.ndim == 1:
        if targets.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, "
                               f"but got size {targets.shape[0]} for argument #2 "
                               f"'targets'{_WHERE}")
    else:
        if targets.shape[0] != N:
            raise RuntimeError(f"Expected tensor to have size {N} at dimension 0, but got size "
                               f"{targets.shape[0]} for argument #2 'targets'{_WHERE}")
        smax = int(tl.max()) if N else 0
        if targets.shape[1] < smax:
            raise RuntimeError(f"Expected tensor to have size at least {smax} at dimension 1, "
                               f"but got size {targets.shape[1]} for argument #2 "
                               f"'targets'{_WHERE}")
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got "
                               f"value {v}{_WHERE}")
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got "
                               f"value {v}{_WHERE}")
    xp = get_array_module(lp._data)
    ext = _extended_targets(targets, tl, C, blank, xp)
    res = CtcLoss.apply(lp, ext, xp.asarray(il), xp.asarray(tl), bool(zero_infinity))
    if zero_infinity:
        res = where(res == float("inf"), 0.0, res)
    if reduction == "mean":
        div = _make(xp.asarray(np.maximum(tl, 1), dtype=lp._data.dtype))
        return (res / div).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
