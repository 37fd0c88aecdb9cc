"""Linear layers and lookups: linear, bilinear, embedding, one_hot.

``linear`` keeps an input only when its partner needs a gradient.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.linear(gg.ones(2, 3), gg.ones(4, 3)).shape
    gpugrad.Size([2, 4])
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import _make
from .arithmetic import where
from .indexing import IndexAddIntoZeros
from .linalg import matmul
from .reduce import sum_array

__all__ = ["linear", "bilinear", "embedding", "one_hot"]


class Linear(Function):
    """``x @ W.T + b``; keeps x only if W needs a gradient and W only if x does."""
    _array_forward = True
    _builtin = True
    _ctx_free = True

    @staticmethod
    def forward(ctx, x, w, b):
        k = x.shape[-1] if x.ndim else 1
        if x.ndim == 0 or w.ndim != 2 or k != w.shape[1]:
            rows = x.size // k if x.ndim and k else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                               f"{w.shape[-1]}x{w.shape[0]})")
        if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
            other = w.dtype if x.dtype != w.dtype else b.dtype
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{_dt.torch_name(x.dtype)} and {_dt.torch_name(other)}")
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        y = x @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        out_f = g.shape[-1]
        gx = matmul(g, w) if need[0] else None
        gw = gb = None
        if need[1] or need[2]:
            g2 = g.reshape(-1, out_f)
            if need[1]:
                gw = matmul(g2.t(), x.reshape(-1, x.shape[-1]))
            if need[2]:
                gb = g2.sum(0)
        return gx, gw, gb

    @staticmethod
    def _backward_arrays(ctx, g):
        # backward's formula by the array calls its ops make (reshape, .T, @, sum over 0).
        x, w = ctx.saved_arrays
        need = ctx.needs_input_grad
        out_f = g.shape[-1]
        gx = g @ w if need[0] else None
        gw = gb = None
        if need[1] or need[2]:
            g2 = g.reshape(-1, out_f)
            if need[1]:
                gw = g2.T @ x.reshape(-1, x.shape[-1])
            if need[2]:
                gb = sum_array(g2, (0,))
        return gx, gw, gb


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``.

    Example::

        >>> F.linear(gg.ones(2, 3), gg.ones(4, 3)).shape
        gpugrad.Size([2, 4])
    """
    return Linear.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = x1 @ weight[o] @ x2 + bias[o]`` for ``weight`` of shape (out, in1, in2)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {in1}")
    if input2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {in2}")
    lead = tuple(input1.shape[:-1])
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # (B, in1) @ (in1, out * in2), then contract in2 against x2.
    t = matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    y = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))


# ------------------------------------------------------------------ embedding, one_hot
class Embedding(Function):
    """Rows of ``weight`` at ``indices``; the padding row gets no gradient."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= weight.shape[0]):
            raise IndexError("index out of range in self")
        ctx.w_shape, ctx.pad, ctx.freq = weight.shape, padding_idx, scale_grad_by_freq
        ctx.save_for_backward(idx)
        return weight[idx]

    @staticmethod
    def backward(ctx, g):
        idx, = ctx.saved_tensors
        ix = idx._data
        if ctx.pad is not None and ctx.pad >= 0:
            g = where((idx == ctx.pad).unsqueeze(-1), 0.0, g)
        if ctx.freq:
            xp = get_array_module(ix)
            counts = xp.bincount(ix.reshape(-1), minlength=ctx.w_shape[0])[ix]
            g = g / _make(counts.astype(g._data.dtype)[..., None])
        return IndexAddIntoZeros.apply(g, (ix,), ctx.w_shape, True), None, None, None


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    """Shrink the rows used by ``idx`` to norm ``max_norm``, in place and unrecorded."""
    xp = get_array_module(weight._data)
    rows = xp.unique(idx._data.reshape(-1))
    w = weight._data
    sel = w[rows]
    norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    scale = xp.where(big, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = sel * scale[:, None]
    weight._version[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (num_embeddings, dim) at the integer ``input``.

    Example::

        >>> F.embedding(gg.tensor([1]), gg.eye(3)).tolist()
        [[0.0, 1.0, 0.0]]
    """
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{input.type()} instead (while checking arguments for embedding)")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """An int64 tensor with a trailing dimension of ``num_classes``, 1 at each class.

    Example::

        >>> F.one_hot(gg.tensor([0, 2])).tolist()
        [[1, 0, 0], [0, 0, 1]]
    """
    ix = tensor._data
    if ix.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = get_array_module(ix)
    if num_classes == -1:
        if ix.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(ix.max()) + 1
    if ix.size:
        if int(ix.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(ix.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((ix[..., None] == xp.arange(num_classes)).astype(np.int64))
