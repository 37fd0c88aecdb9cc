"""The orthogonal parametrization of :func:`gpugrad.nn.utils.parametrizations.orthogonal`,
with the matrix maps it needs written as compositions of differentiable ops (so gradients
and double backward come from autograd): the matrix exponential, the Cayley map and a
product of Householder reflectors.
"""
import math
from enum import Enum, auto

from ...autograd.grad_mode import no_grad
from ..module import Module

__all__ = ["_Orthogonal", "_OrthMaps", "matrix_exp", "householder_product"]

# Pade [13/13] coefficients and the 1-norm bound up to which it is accurate to double
# precision without scaling (Higham 2005, the algorithm PyTorch and SciPy use).
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
           129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
           40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def matrix_exp(A):
    """exp(A) of a (batch of) square matrices, by scaling and squaring with a Pade [13/13]
    approximant; differentiable through the ops it is built from.

    Example::

        >>> matrix_exp(gg.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    from ... import eye
    from ...linalg import solve
    n = A.shape[-1]
    with no_grad():
        norm = float(A.detach().abs().sum(-2).max()) if A.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    if s:
        A = A / (2.0 ** s)
    b = _PADE13
    ident = eye(n, dtype=A.dtype, device=A.device)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2)
             + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 \
        + b[0] * ident
    R = solve(V - U, V + U)
    for _ in range(s):
        R = R @ R
    return R


def householder_product(A, tau):
    """The first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with ``v_i``
    the i-th column of ``A`` below the diagonal and 1 on it (``torch.linalg.
    householder_product`` for real inputs, batched); differentiable.

    Example::

        >>> householder_product(gg.zeros(3, 2), gg.tensor([2.0, 2.0]))[:, 0]
        tensor([-1.,  0.,  0.])
    """
    from ... import eye
    n, k = A.shape[-2], A.shape[-1]
    ident = eye(n, dtype=A.dtype, device=A.device)
    V = A.tril(-1) + ident[:, :k]
    Q = ident.expand(*A.shape[:-2], n, n)
    # Q <- Q H_i from the left factor to the right: Q - tau_i (Q v_i) v_i^T.
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - (Q @ v) @ (v.mT * tau[..., i:i + 1].unsqueeze(-1))
    return Q[..., :k]


def _is_orthogonal(Q):
    from ... import allclose, eye, finfo
    n, k = Q.shape[-2], Q.shape[-1]
    Id = eye(k, dtype=Q.dtype, device=Q.device)
    eps = 10.0 * n * finfo(Q.dtype).eps
    return allclose(Q.mH @ Q, Id, atol=eps)


def _make_orthogonal(A):
    # The Q of the QR factorisation whose R has a positive diagonal (PyTorch: geqrf, then
    # householder_product, then a sign fix; the same matrix).
    from ...linalg import qr
    Q, R = qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        from ... import cat, eye
        from ...linalg import solve
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            # A skew-symmetric matrix from the lower triangle of X.
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                Id = eye(n, dtype=A.dtype, device=A.device)
                Q = solve(Id + A * -0.5, Id + A * 0.5)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # The diagonal of X, truncated to an integer, sets each column's sign.
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        with no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q):
        from ... import cat, eye, randn
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            # Without the trivialization the original would be Q's Householder form
            # (LAPACK geqrf), which gpugrad does not compute.
            raise NotImplementedError(
                "gpugrad's orthogonal parametrization cannot assign a matrix when "
                "use_trivialization=False.")
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:
            # Complete Q to a square matrix with random columns, then orthogonalise.
            N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(cat([Q, N], dim=-1))
        self.base = Q
        # The original that the forward maps to the identity, so the weight equals base.
        # (Built from eye rather than by filling a diagonal view, which works for every
        # shape.)
        rows, cols = Q_init.shape[-2], Q_init.shape[-1]
        neg_Id = eye(rows, cols, dtype=Q_init.dtype, device=Q_init.device) * -1.0
        return neg_Id.expand(Q_init.shape).clone()
