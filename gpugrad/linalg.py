"""``gg.linalg``: linear algebra with ``torch.linalg``'s names, arguments and results.

Every function takes batches of matrices in the last two dims and is differentiable where
PyTorch's is (``matrix_rank`` is not). Factorizations return named tuples that also unpack.

Example::

    >>> import gpugrad as gg
    >>> A = gg.tensor([[4.0, 2.0], [2.0, 3.0]], requires_grad=True)
    >>> L, V = gg.linalg.eigh(A)
    >>> gg.linalg.det(A).backward()
    >>> A.grad
    tensor([[ 3., -2.],
            [-2.,  4.]])
"""
from .ops.decompositions import (LinAlgError, det, slogdet, inv, solve, cholesky,  # noqa: F401
                                 linalg_qr as qr, linalg_svd as svd, svdvals, eigh, eigvalsh)
from .ops.linalg_extra import (pinv, matrix_power, matrix_rank, lstsq,  # noqa: F401
                               vector_norm, matrix_norm, norm, linalg_cross as cross,
                               multi_dot, vecdot)
from .ops.linalg import matmul  # noqa: F401
from .ops import linalg as _ops_linalg

__all__ = ["LinAlgError", "det", "slogdet", "inv", "solve", "cholesky", "qr", "svd", "svdvals",
           "eigh", "eigvalsh", "pinv", "matrix_power", "matrix_rank", "lstsq", "vector_norm",
           "matrix_norm", "norm", "cross", "multi_dot", "vecdot", "matmul", "diagonal"]


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonals of a batch of matrices (the last two dims by default).

    Example::

        >>> gg.linalg.diagonal(gg.eye(2))
        tensor([1., 1.])
    """
    return _ops_linalg.diagonal(A, offset, dim1, dim2)
