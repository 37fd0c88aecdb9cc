"""embedding_bag: sums, means or maxima of bags of embedding rows, as
``torch.nn.functional.embedding_bag``.

Bags are given either as a 2-D input (one bag per row) or as a 1-D input cut at ``offsets``.
The op is a composition of differentiable ops: Embedding's row gather (its gradient is dense,
whatever ``sparse`` says), then an ``index_add`` into the bags (sum, mean) or a max over a
(bags, longest bag) gather (max), so gradients reach the weight and ``per_sample_weights``
and second derivatives work. Entries equal to
``padding_idx`` take no part (nor count towards a mean); an empty bag gives zeros.

Example::

    >>> import gpugrad.nn.functional as F
    >>> w = gg.arange(12.0).reshape(4, 3)
    >>> F.embedding_bag(gg.tensor([0, 2, 1, 3]), w, gg.tensor([0, 2]), mode="sum")
    tensor([[ 6.,  8., 10.],
            [12., 14., 16.]])
"""
import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from .arithmetic import where
from .linear import Embedding, _embedding_renorm_

__all__ = ["embedding_bag"]


def _check_indices(input, weight, mode):
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for "
                           f"embedding_bag)")
    ix = input._data
    n = weight.shape[0]
    if ix.size:
        bad = (ix < 0) | (ix >= n)
        if bool(bad.any()):
            xp = get_array_module(ix)
            k = int(xp.argmax(bad.ravel()))
            v = int(ix.ravel()[k])
            # PyTorch's float32 sum/mean kernel and its generic kernel word it differently.
            if mode == "max" or weight._data.dtype != np.float32:
                raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings "
                                   f"but found idx to be {v}")
            raise RuntimeError(f"Index {k} of input takes value {v} which is not in the valid "
                               f"range [0, {n})")


class ScaleGrad(Function):
    """The identity forward (a view); the backward multiplies the gradient by ``scale``."""
    _array_forward = True
    _builtin = True
    _view_op = True

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(scale)
        return x.view()

    @staticmethod
    def backward(ctx, g):
        scale, = ctx.saved_tensors
        return g * scale, None


def _freq_divisors(ix, num):
    """Each index's gradient divisor under ``scale_grad_by_freq``, as PyTorch's CPU kernel
    computes it: walking the sorted indices one distinct value at a time, the k-th distinct
    value is divided by the count of ``sorted[k]`` (the k-th sorted element, not the value
    itself), which differs from the value's own count when earlier values repeat."""
    counts = np.bincount(ix, minlength=num)
    order = np.sort(ix)
    distinct = np.unique(order)
    divisor = np.ones(num, dtype=np.float64)
    divisor[distinct] = counts[order[:len(distinct)]]
    return divisor


def _bags(offsets, n, include_last_offset, long):
    """Each bag's start and length in the flat input."""
    off = np.asarray(offsets._data.get() if hasattr(offsets._data, "get") else offsets._data,
                     dtype=np.int64)
    if off.size and off[0] != 0:
        # PyTorch's message prints offsets[0] as a 0-d tensor (of the indices' common type).
        kind = "Long" if long else "Int"
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {off[0]}\n"
                           f"[ gpugrad.{kind}Tensor{{}} ]")
    if off.size and off[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {off[-1]}")
    if include_last_offset:
        # The last offset only closes the last bag; positions past it belong to no bag.
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], n)
    return starts, np.maximum(ends - starts, 0)


def _type_str(obj):
    from ..tensor import Tensor
    # The public name, as PyTorch's message shows ``torch.Tensor``.
    return "<class 'gpugrad.Tensor'>" if isinstance(obj, Tensor) else str(type(obj))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Reduce bags of rows of ``weight`` (num_embeddings, dim) by ``mode`` ("sum", "mean",
    "max"). ``per_sample_weights`` (mode "sum" only) scales each looked-up row.

    Example::

        >>> w = gg.arange(12.0).reshape(4, 3)
        >>> F.embedding_bag(gg.tensor([[0, 2], [1, 3]]), w, mode="max")
        tensor([[ 6.,  7.,  8.],
                [ 9., 10., 11.]])
    """
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {_type_str(offsets)}")
        from .creation import arange
        offsets = arange(0, input.numel(), max(input.shape[1], 1), dtype=input.dtype,
                         device=input.device)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' "
                                  f"(got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} "
                               f"through {num - 1}, but got {padding_idx}")
        padding_idx = padding_idx % num
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.type()} does not equal {per_sample_weights.type()} (while "
                           f"checking arguments for embedding_bag)")
    _check_indices(input, weight, mode)
    return _reduce(input, weight, offsets, mode, per_sample_weights, include_last_offset,
                   padding_idx, scale_grad_by_freq)


def _reduce(input, weight, offsets, mode, per_sample_weights, include_last_offset,
            padding_idx, scale_grad_by_freq):
    from .creation import tensor, zeros
    from .shape import cat
    n = input.numel()
    long = np.int64 in (input._data.dtype, offsets._data.dtype)
    starts, lengths = _bags(offsets, n, include_last_offset, long)
    nbags = len(starts)
    ix = input._data.astype(np.int64, copy=False)
    host_ix = np.asarray(ix.get() if hasattr(ix, "get") else ix)
    live = np.ones(n, dtype=bool) if padding_idx is None else host_ix != padding_idx
    # The bag of each input position (positions past the last bag get none).
    bag = np.full(n, -1, dtype=np.int64)
    for b, (s, ln) in enumerate(zip(starts, lengths)):
        bag[s:s + ln] = b
    take = live & (bag >= 0)
    count = np.bincount(bag[take], minlength=nbags)[:nbags]
    dev, dtype = weight.device, weight.dtype
    pos = np.nonzero(take)[0]
    rows = Embedding.apply(weight, tensor(host_ix[pos], device=dev), None, False)
    if scale_grad_by_freq:
        divisor = _freq_divisors(host_ix, weight.shape[0])[host_ix[pos]]
        rows = ScaleGrad.apply(rows, tensor((1.0 / divisor)[:, None], dtype=dtype, device=dev))
    if mode != "max":
        if per_sample_weights is not None:
            rows = rows * per_sample_weights[tensor(pos, device=dev)].unsqueeze(1)
        out = zeros(nbags, weight.shape[1], dtype=dtype, device=dev).index_add(
            0, tensor(bag[pos], device=dev), rows)
        if mode == "mean":
            out = out / tensor(np.maximum(count, 1), dtype=dtype, device=dev).unsqueeze(1)
        return out
    # Max: a (bags, longest bag) gather of the live rows, padded with a -inf row.
    width = max(int(count.max()) if nbags else 0, 1)
    grid = np.full((nbags, width), len(pos), dtype=np.int64)
    slot = np.arange(len(pos)) - np.searchsorted(bag[pos], bag[pos])
    grid[bag[pos], slot] = np.arange(len(pos))
    pad = zeros(1, weight.shape[1], dtype=dtype, device=dev) - float("inf")
    dense = cat([rows, pad])[tensor(grid, device=dev)]
    best = dense.max(1)[0]
    # An empty bag gives zeros, as PyTorch's.
    return where(tensor(count > 0, device=dev).unsqueeze(1), best, 0.0)
