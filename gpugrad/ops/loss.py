"""Loss functions with PyTorch's semantics, reductions and error messages.

Cross-entropy over class indices runs as one node whose gradient is the fused
``softmax_xent_bwd`` kernel, and mean squared error uses ``mse_bwd``; both backward kernels
are Functions whose own backward is written in gpugrad ops, so second derivatives work. The
other losses are built from differentiable ops.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.cross_entropy(gg.zeros(1, 2), gg.tensor([1]))
    tensor(0.6931)
"""
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import _make
from .activation import _run, check_float, log_softmax, logsigmoid
from .arithmetic import where
from .indexing import IndexAddIntoZeros

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def _legacy_reduction(size_average, reduce, reduction):
    """``reduction`` from the deprecated ``size_average`` / ``reduce`` flags, as torch."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
    return ret


def _check_reduction(reduction, extra=()):
    if reduction not in ("none", "mean", "sum") + tuple(extra):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_size_warning(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape!r}) that is different to the input "
                      f"size ({input.shape!r}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)


# ------------------------------------------------------------------ class-index targets
def _check_class_target(input, target, weight, ignore_index, ce):
    """Validate as torch's nll_loss_nd; returns the class axis."""
    x, t = input._data, target._data
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and (t.ndim == 0 or x.shape[0] != t.shape[0]):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    if x.ndim == 1 and t.ndim == 1 and t.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                         f"{t.shape[0]}")
    allowed = (np.int64, np.uint8) + ((np.int32,) if ce else ())
    if t.dtype not in allowed:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_dt.torch_name(t.dtype)}")
    if x.ndim == 2 and t.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if x.ndim >= 3 and t.shape[1:] != x.shape[2:]:
        expected = [x.shape[0]] + list(x.shape[2:])
        raise RuntimeError(f"Expected target size {expected}, got {list(t.shape)}")
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if t.size:
        bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
        if bool(bad.any()):
            first = int(t.reshape(-1)[int(bad.reshape(-1).argmax())])
            raise IndexError(f"Target {first} is out of bounds.")
    return cdim


def _pick(x, t, cdim, weight, ignore_index):
    """The per-element log-prob at the target, its weight (0 where ignored), the weight sum."""
    xp = get_array_module(x)
    t = t.reshape(()) if x.ndim == 1 else t
    valid = t != ignore_index
    safe = xp.where(valid, t, 0).astype(np.int64, copy=False)
    picked = xp.take_along_axis(x, xp.expand_dims(safe, cdim), axis=cdim).squeeze(cdim)
    w = weight[safe] if weight is not None else xp.ones(safe.shape, x.dtype)
    w = xp.where(valid, w, 0).astype(x.dtype)
    return picked, w, safe


def _combine(nll, smooth, w_t, eps, n_classes, reduction, xp):
    if reduction == "none":
        out = nll if smooth is None else (1 - eps) * nll + (eps / n_classes) * smooth
        return out, None
    total = nll.sum() if smooth is None else (1 - eps) * nll.sum() + (eps / n_classes) * \
        smooth.sum()
    if reduction == "sum":
        return xp.asarray(total, dtype=nll.dtype), None
    denom = w_t.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / denom, dtype=nll.dtype), denom


class CrossEntropy(Function):
    """Cross-entropy of logits against class indices, as one node.

    Returns ``(loss, p)``: ``p`` (the softmax) is all the fused backward reads, and being an
    output it carries this node's history, so a second backward reaches the logits through
    it. Callers drop ``p``; the node keeps it.
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, eps):
        check_float("cross_entropy", x)
        xp = get_array_module(x)
        cdim = 0 if x.ndim == 1 else 1
        n_classes = x.shape[cdim]
        z = x - (x.max(axis=cdim, keepdims=True) if x.size else 0)
        p = xp.exp(z)
        s = p.sum(axis=cdim, keepdims=True)
        p /= s
        z -= xp.log(s)                                   # log-probabilities
        picked, w_t, _ = _pick(z, target, cdim, weight, ignore_index)
        nll = -picked * w_t
        # Weighted smoothing takes the composed path (the kernel assumes uniform weights).
        smooth = xp.where(w_t != 0, -z.sum(axis=cdim), 0).astype(x.dtype) if eps > 0 else None
        loss, denom = _combine(nll, smooth, w_t, eps, n_classes, reduction, xp)
        ctx.meta = (cdim, n_classes, ignore_index, reduction, eps, weight is not None)
        # int64 targets are kept as the input itself (no copy, and an in-place change is
        # caught); other integer dtypes as an int64 copy.
        ctx.save_for_backward(p, target.astype(np.int64, copy=False),
                              w_t if weight is not None else None, denom)
        return loss, p

    @staticmethod
    def backward(ctx, g_loss, g_p):
        p, t, w_t, denom = ctx.saved_tensors
        cdim, n_classes, ignore_index, reduction, eps, weighted = ctx.meta
        # The class dim back in, as the kernel reads t beside p.
        t = t.reshape((1,)) if cdim == 0 else t.unsqueeze(cdim)
        gx = None
        if g_loss is not None:
            gy = g_loss
            if reduction == "mean":
                gy = gy / denom
            if weighted:
                gy = gy * w_t
            if gy.ndim:
                gy = gy.unsqueeze(cdim)
            gx = SoftmaxXentBackward.apply(p, gy, t, cdim, eps, n_classes, ignore_index)
        if g_p is not None:
            # The softmax's own backward, for the second-order path through p.
            gp = g_p * p
            gp = gp - p * gp.sum(cdim, keepdim=True)
            gx = gp if gx is None else gx + gp
        return gx, None, None, None, None, None


CrossEntropy._backward_cls.materialize_grads = False


class SoftmaxXentBackward(Function):
    """``(p - q) * gy`` (0 on ignored rows) with q the smoothed one-hot target, one kernel."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, p, gy, t, cdim, eps, n_classes, ignore_index):
        xp = get_array_module(p)
        cls = xp.arange(n_classes, dtype=np.int64).reshape((-1,) + (1,) * (p.ndim - cdim - 1))
        ctx.meta = (cdim, eps, n_classes, ignore_index)
        ctx.save_for_backward(p, gy, t)
        gy = xp.asarray(gy, dtype=p.dtype)
        return _run("softmax_xent_bwd", p, t, cls, gy, 1.0, eps, n_classes, ignore_index)

    @staticmethod
    def backward(ctx, G):
        p, gy, t = ctx.saved_tensors
        cdim, eps, n_classes, ignore_index = ctx.meta
        need = ctx.needs_input_grad
        valid = t != ignore_index
        gp = where(valid, G * gy, 0.0) if need[0] else None
        ggy = None
        if need[1]:
            one = _make(p._array_module.ones((), p._data.dtype))
            ggy = G * SoftmaxXentBackward.apply(p, one, t, cdim, eps, n_classes, ignore_index)
        return gp, ggy, None, None, None, None, None


class NllLoss(Function):
    """``-weight[t] * input[t]`` per element, reduced; the gradient is a scatter of weights."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xp = get_array_module(x)
        cdim = 0 if x.ndim == 1 else 1
        picked, w_t, safe = _pick(x, target, cdim, weight, ignore_index)
        loss, denom = _combine(-picked * w_t, None, w_t, 0.0, 1, reduction, xp)
        ctx.meta = (cdim, x.shape, reduction)
        ctx.save_for_backward(w_t, safe, denom)
        return loss

    @staticmethod
    def backward(ctx, g):
        w_t, safe, denom = ctx.saved_tensors
        cdim, shape, reduction = ctx.meta
        if reduction == "mean":
            g = g / denom
        vals = (-w_t * g).unsqueeze(cdim)
        ix = get_array_module(safe._data).expand_dims(safe._data, cdim)
        from .indexing import _dim_index
        idx = _dim_index(len(shape), cdim, ix)
        return IndexAddIntoZeros.apply(vals, idx, shape, True), None, None, None, None


def _weight_array(weight):
    return None if weight is None else weight._data


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...) at class indices.

    Example::

        >>> F.nll_loss(gg.tensor([[-1.0, -2.0]]), gg.tensor([1]))
        tensor(2.)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _check_class_target(input, target, weight, ignore_index, ce=False)
    return NllLoss.apply(input, target, _weight_array(weight), ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` (N, C, ...) or (C,) against class indices or
    class probabilities (a float ``target`` of the input's shape).

    Example::

        >>> F.cross_entropy(gg.tensor([[0.0, 0.0]]), gg.tensor([0]), label_smoothing=0.1)
        tensor(0.6931)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if target.shape == input.shape and input.ndim:
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing)
    cdim = _check_class_target(input, target, weight, ignore_index, ce=True)
    if weight is not None and label_smoothing > 0:
        return _cross_entropy_weighted_smooth(input, target, weight, ignore_index, reduction,
                                              label_smoothing, cdim)
    loss, _ = CrossEntropy.apply(input, target, _weight_array(weight), ignore_index, reduction,
                                 float(label_smoothing))
    return loss


def _cross_entropy_weighted_smooth(input, target, weight, ignore_index, reduction, eps, cdim):
    # torch's formula: (1 - eps) * nll + eps / C * (the weighted smoothing term).
    n_classes = input.shape[cdim]
    logp = log_softmax(input, cdim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    shape = [1] * input.ndim
    shape[cdim] = n_classes
    smooth = -(logp * weight.reshape(shape)).sum(cdim)
    t = target.reshape(()) if input.ndim == 1 else target
    ignored = t == ignore_index
    smooth = where(ignored, 0.0, smooth)
    if reduction == "mean":
        _, w_t, _ = _pick(input._data, target._data, cdim, weight._data, ignore_index)
        smooth = smooth.sum() / _make(w_t.sum())
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - eps) * nll + smooth * (eps / n_classes)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, eps):
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, "
                           f"got {_dt.torch_name(target._data.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    cdim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[cdim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if eps > 0:
        target = target * (1 - eps) + eps / n_classes
    prod = log_softmax(input, cdim) * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[cdim] = n_classes
        prod = prod * weight.reshape(shape)
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    n = input.numel() // n_classes if n_classes else 0
    return -prod.sum() / n if n else -prod.sum() * float("nan")


# ------------------------------------------------------------------ regression losses
def _promoted(input, target):
    if input.dtype != target.dtype:
        dt = _dt.promote_types(input.dtype, target.dtype)
        return input.to(dt), target.to(dt)
    return input, target


class MseLoss(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        check_float("mse_loss", x)
        d = x - y
        d *= d
        ctx.reduction, ctx.n = reduction, d.size
        ctx.save_for_backward(x, y)
        if reduction == "none":
            return d
        xp = get_array_module(d)
        return xp.asarray(d.mean() if reduction == "mean" else d.sum(), dtype=d.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        scale = 1.0 / ctx.n if ctx.reduction == "mean" and ctx.n else 1.0
        gx = MseBackward.apply(x, y, g, scale)
        return gx if need[0] else None, -gx if need[1] else None, None


class MseBackward(Function):
    """``2 * scale * (x - y) * g`` as one kernel; differentiable again in x, y and g."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, y, g, scale):
        ctx.scale = scale
        ctx.save_for_backward(x, y, g)
        return _run("mse_bwd", x, y, g, scale)

    @staticmethod
    def backward(ctx, G):
        x, y, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        k = 2.0 * ctx.scale
        dx = G * g * k if need[0] or need[1] else None
        dg = G * (x - y) * k if need[2] else None
        return dx if need[0] else None, -dx if need[1] else None, dg, None


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error (``reduction``: ``'mean'``, ``'sum'`` or ``'none'``).

    Example::

        >>> F.mse_loss(gg.tensor([1.0, 3.0]), gg.tensor([0.0, 0.0]))
        tensor(5.)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _same_size_warning(input, target)
    input, target = _promoted(input, target)
    return MseLoss.apply(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _same_size_warning(input, target)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _same_size_warning(input, target)
    d = input - target
    ad = d.abs()
    loss = ad if beta == 0 else where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``."""
    reduction = _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _same_size_warning(input, target)
    d = input - target
    ad = d.abs()
    loss = where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ binary and divergence
class BinaryCrossEntropy(Function):
    """``-w * (t * log(x) + (1 - t) * log(1 - x))`` with each log clamped to >= -100."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        check_float("binary_cross_entropy", x)
        xp = get_array_module(x)
        if x.size and bool(((x < 0) | (x > 1)).any()):
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = (t - 1) * xp.maximum(xp.log1p(-x), -100) - t * xp.maximum(xp.log(x), -100)
        if w is not None:
            loss = loss * w
        loss = loss.astype(x.dtype, copy=False)
        ctx.reduction, ctx.n = reduction, loss.size
        ctx.save_for_backward(x, t, w)
        if reduction == "none":
            return loss
        return xp.asarray(loss.mean() if reduction == "mean" else loss.sum(), dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        x, t, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if ctx.reduction == "mean":
            g = g / ctx.n
        if w is not None:
            g = g * w
        gx = g * (x - t) / ((1 - x) * x).clamp_min(1e-12) if need[0] else None
        gt = g * ((-x).log1p() - x.log()) if need[1] else None
        return gx, gt, None, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target``.

    Example::

        >>> F.binary_cross_entropy(gg.tensor([0.5]), gg.tensor([1.0]))
        tensor(0.6931)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape!r}) that is different to the "
                         f"input size ({input.shape!r}) is deprecated. Please ensure they have "
                         f"the same size.")
    if weight is not None and weight.shape != input.shape:
        weight = weight.expand(input.shape)
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable formula (``pos_weight`` weighs positives).

    Example::

        >>> F.binary_cross_entropy_with_logits(gg.tensor([0.0]), gg.tensor([1.0]))
        tensor(0.6931)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape!r}) must be the same as input size "
                         f"({input.shape!r})")
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast: float32
        input, target, weight, pos_weight = _function._autocast_hook(
            "binary_cross_entropy_with_logits", (input, target, weight, pos_weight))
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _xlogy_self(t):
    # t * log(t) with 0 at t == 0; the 1 keeps log (and its gradient) finite there.
    return t * where(t == 0, 1.0, t).log()


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` with ``input`` given as log-probabilities.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL).

    Example::

        >>> F.kl_div(gg.tensor([0.5, 0.5]).log(), gg.tensor([0.5, 0.5]), reduction="sum")
        tensor(0.)
    """
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction),
                                 ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogy_self(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)
