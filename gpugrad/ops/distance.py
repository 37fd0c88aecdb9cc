"""Distances, as ``torch.nn.functional`` has them: pairwise_distance and pdist.

Both are compositions of differentiable ops (a difference and a p-norm), so gradients of
every order come for free. ``cosine_similarity`` lives in :mod:`.activation`.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.pdist(gg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
"""
from .creation import triu_indices
from .linalg_extra import vector_norm

__all__ = ["pairwise_distance", "pdist"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of ``x1 - x2 + eps`` over the last dim (broadcasting).

    Example::

        >>> F.pairwise_distance(gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    # PyTorch adds eps before the norm (so equal inputs stay differentiable).
    return vector_norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1, keepdim)


def pdist(input, p=2):
    """p-norm distances between the rows of an (N, M) input: the N*(N-1)/2 pairs ``i < j``,
    row-major.

    Example::

        >>> F.pdist(gg.tensor([[0.0], [1.0], [3.0]]))
        tensor([1., 3., 2.])
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = triu_indices(n, n, 1, device=input.device)
    return vector_norm(input[i] - input[j], p, 1)
