"""Distance layers: CosineSimilarity and PairwiseDistance, as PyTorch's.

Example::

    >>> gg.nn.PairwiseDistance()(gg.zeros(2, 3), gg.ones(2, 3)).shape
    gpugrad.Size([2])
"""
from ...ops import activation as _act
from ...ops import distance as F
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    Example::

        >>> gg.nn.CosineSimilarity(dim=0)(gg.tensor([1.0, 0.0]), gg.tensor([1.0, 1.0]))
        tensor(0.7071)
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return _act.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """p-norm of ``x1 - x2 + eps`` over the last dim.

    Example::

        >>> gg.nn.PairwiseDistance(eps=0.0)(gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0]]))
        tensor([5.])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
