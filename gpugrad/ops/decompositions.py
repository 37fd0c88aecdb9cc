"""Matrix decompositions: det, slogdet, inv, solve, cholesky, qr, svd, eigh (``gg.linalg``
re-exports them).

Forward runs ``xp.linalg`` (NumPy or CuPy, only functions both have) on batches of matrices
in the last two dims; backward follows PyTorch's formulas (``FunctionsManual.cpp``) written
with gpugrad ops, so that ``create_graph=True`` differentiates them again. pinv, lstsq,
matrix_power, norms, cross products, cdist and the other products are in ``linalg_extra.py``;
shared checks and helpers in ``_linalg_util.py``.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import _make
from ._linalg_util import (LinAlgError, _batch_prefix, _bad_minor, _check_float,
                           _check_matrix, _check_precision, _diag_embed, _eye_like,
                           _first_failure, _last, _mT, _raise_singular, _raising, _result,
                           _zero_pivot)
from ._util import register_methods
from .linalg import matmul, diagonal
from .shape import unsqueeze, squeeze, narrow

__all__ = ["det", "logdet", "slogdet", "inverse", "cholesky", "qr", "svd"]


# ---------------------------------------------------------------------------------------------
# Determinants

class LinalgDet(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        y = xp.asarray(xp.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, y = ctx.saved_tensors
        if not bool((y._data == 0).any()):
            # d det(A) = det(A) tr(A^-1 dA); the inverse is an op of its own, so this
            # differentiates again.
            return _mT(inv(a)) * _last(g * y, 2)
        # A singular matrix has no inverse, but its gradient, the cofactor matrix, exists.
        return _cofactors(a) * _last(g, 2)


def _cofactors(a):
    """The cofactor matrix of ``a`` (d det / dA), without an inverse: with A = U diag(S) Vh
    it is det(U) det(Vh) U diag(prod_{j != i} S_j) Vh."""
    from .reduce import prod
    u, s, vh = LinalgSvd.apply(a, False)
    eye = _eye_like(a)
    others = prod(unsqueeze(s, -2) * (1 - eye) + eye, -1)
    alpha = LinalgDet.apply(u) * LinalgDet.apply(vh)
    return matmul(u * unsqueeze(others, -2), vh) * _last(alpha, 2)


class LinalgSlogdet(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        sign, logabs = xp.linalg.slogdet(a)
        sign = xp.asarray(sign, dtype=a.dtype)
        ctx.save_for_backward(a, sign)
        return sign, xp.asarray(logabs, dtype=a.dtype)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        a, sign = ctx.saved_tensors
        # The sign of a real determinant is piecewise constant: it contributes nothing.
        if not bool((sign._data == 0).any()):
            return _mT(inv(a)) * _last(g_logabs, 2)
        # log|det| has an infinite slope at a singular matrix: cofactors / 0 give infinities
        # (as PyTorch's gradient has) rather than an error.
        return _cofactors(a) * _last(g_logabs / LinalgDet.apply(a), 2)


def det(A):
    """Determinant of each square matrix in the last two dims.

    Example::

        >>> gg.linalg.det(gg.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor(6.)
    """
    _check_matrix("linalg.det", A)
    _check_float("linalg.det", A)
    _check_precision("lu_cpu", A)
    return LinalgDet.apply(A)


def slogdet(A):
    """Sign and log of the absolute value of the determinant, ``(sign, logabsdet)``.

    Example::

        >>> sign, logabsdet = gg.linalg.slogdet(gg.tensor([[-2.0, 0.0], [0.0, 1.0]]))
        >>> sign.item(), round(logabsdet.item(), 4)
        (-1.0, 0.6931)
    """
    _check_matrix("linalg.slogdet", A)
    _check_float("linalg.slogdet", A)
    _check_precision("lu_cpu", A)
    return _result("linalg_slogdet", ["sign", "logabsdet"], LinalgSlogdet.apply(A))


def logdet(input):
    """Log of the determinant: nan where it is negative, -inf where it is 0, as torch.logdet.

    Example::

        >>> gg.logdet(gg.eye(2) * 2)
        tensor(1.3863)
    """
    from .arithmetic import where
    _check_float("logdet", input)
    sign, logabs = slogdet(input)
    return where(sign < 0, float("nan"), logabs)


# ---------------------------------------------------------------------------------------------
# Inverse and linear solves

class LinalgInvEx(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        try:
            with _raising(xp):
                y = xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            _raise_singular(a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        yt = _mT(y)
        return -matmul(matmul(yt, g), yt)


def inv(A):
    """Inverse of each square matrix; raises ``gg.linalg.LinAlgError`` for a singular one.

    Example::

        >>> gg.linalg.inv(gg.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    _check_matrix("linalg.inv", A)
    _check_float("linalg.inv", A)
    if A._data.dtype.itemsize < 4:
        raise RuntimeError(f"linalg.inv: Low precision dtypes not supported. Got "
                           f"{_dt.torch_name(A._data.dtype)}")
    return LinalgInvEx.apply(A)


inverse = inv


class LinalgSolveEx(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        # CuPy's solve does not broadcast batch dims: both sides get the common batch shape.
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a2 = xp.broadcast_to(a, batch + a.shape[-2:])
        b2 = xp.broadcast_to(b, batch + b.shape[-2:])
        try:
            with _raising(xp):
                x = xp.linalg.solve(a2, b2)
        except np.linalg.LinAlgError:
            x = None
        if x is None:
            bi, _ = _first_failure(a2, _zero_pivot)
            where = _batch_prefix(a2, bi) if bi is not None else ""
            raise LinAlgError(f"gpugrad.linalg.solve: {where}The solver failed because the "
                              f"input matrix is singular.")
        ctx.save_for_backward(a if ctx.needs_input_grad[1] or ctx.needs_input_grad[0] else None,
                              x if ctx.needs_input_grad[0] else None)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        # A X = B:  gB = A^-T g,  gA = -gB X^T (the engine sums broadcast batch dims).
        gb = LinalgSolveEx.apply(_mT(a), g)
        ga = -matmul(gb, _mT(x)) if ctx.needs_input_grad[0] else None
        return ga, gb if ctx.needs_input_grad[1] else None


def solve(A, B, *, left=True):
    """Solve ``A X = B`` (``X A = B`` with ``left=False``) for square ``A``; batch dims
    broadcast, and ``B`` may be a vector (or a batch of vectors of ``A.shape[:-1]``).

    Example::

        >>> gg.linalg.solve(gg.tensor([[2.0, 0.0], [0.0, 4.0]]), gg.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    _check_matrix("linalg.solve", A)
    _check_float("linalg.solve", A)
    _check_precision("lu_cpu", A)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {_dt.torch_name(A._data.dtype)} and B of type "
                           f"{_dt.torch_name(B._data.dtype)} instead")
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1
                                   and B._data.shape == A._data.shape[:-1])
    b = unsqueeze(B, -1) if vector else B
    n = A._data.shape[-1]
    if b._data.shape[-2 if left else -1] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A._data.shape[-2]}x{n} and "
                           f"{b._data.shape[-2]}x{b._data.shape[-1]})")
    from ..autograd.broadcast import broadcast_shapes
    # PyTorch names B's batch dims first in the size-mismatch error.
    broadcast_shapes(b._data.shape[:-2], A._data.shape[:-2])
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False. In this case linalg.solve is "
                               "equivalent to B / A.squeeze(-1)")
        # X A = B is A^T X^T = B^T.
        return _mT(LinalgSolveEx.apply(_mT(A), _mT(b)))
    x = LinalgSolveEx.apply(A, b)
    return squeeze(x, -1) if vector else x


# ---------------------------------------------------------------------------------------------
# Cholesky

class LinalgCholeskyEx(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, upper):
        xp = get_array_module(a)
        try:
            with _raising(xp):
                low = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            low = None
        if low is None:
            b, info = _first_failure(a, _bad_minor)
            where = _batch_prefix(a, b) if b is not None else ""
            raise LinAlgError(f"linalg.cholesky: {where}The factorization could not be "
                              f"completed because the input is not positive-definite (the "
                              f"leading minor of order {info or a.shape[-1]} is not "
                              f"positive-definite).")
        out = xp.ascontiguousarray(low.swapaxes(-1, -2)) if upper else low
        ctx.upper = upper
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        from .creation import tril
        low, g_low = (_mT(out), _mT(g)) if ctx.upper else (out, g)
        # PyTorch's cholesky_backward: phi = tril(L^T gL) with its diagonal halved and made
        # symmetric, then gA = L^-T phi L^-1.
        phi = tril(matmul(_mT(low), g_low))
        phi = (phi + _mT(tril(phi, -1))) * 0.5
        low_inv = inv(low)
        return matmul(matmul(_mT(low_inv), phi), low_inv), None


def cholesky(A, upper=False):
    """Cholesky factor ``L`` (lower; ``L^T`` with ``upper=True``) of symmetric
    positive-definite matrices, ``A = L L^T``. Only the lower triangle of ``A`` is read.

    Example::

        >>> gg.linalg.cholesky(gg.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    _check_matrix("linalg.cholesky", A)
    _check_float("linalg.cholesky", A)
    _check_precision("cholesky_cpu", A)
    return LinalgCholeskyEx.apply(A, bool(upper))


# ---------------------------------------------------------------------------------------------
# QR

class LinalgQr(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, mode):
        xp = get_array_module(a)
        ctx.set_materialize_grads(False)
        ctx.mode, ctx.m, ctx.n = mode, a.shape[-2], a.shape[-1]
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            return xp.zeros((0,), dtype=a.dtype), r
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        m, n = ctx.m, ctx.n
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if gq is None and gr is None:
            return None, None
        q, r = ctx.saved_tensors
        if m >= n:
            return _qr_backward_tall(q, r, gq, gr), None
        # Wide: A = [X | Y], R = [U | V] with X = Q U square and Y = Q V. V = Q^T Y sends
        # gradient Y gV^T to Q and Q gV to Y; X then takes the square formula.
        from .shape import cat
        u, v = narrow(r, -1, 0, m), narrow(r, -1, m, n - m)
        y = matmul(q, v)
        gu = gv = None
        if gr is not None:
            gu, gv = narrow(gr, -1, 0, m), narrow(gr, -1, m, n - m)
            gq = matmul(y, _mT(gv)) if gq is None else gq + matmul(y, _mT(gv))
        gx = _qr_backward_tall(q, u, gq, gu)
        if gv is not None:
            gy = matmul(q, gv)
        else:
            xp = get_array_module(gx._data)
            gy = _make(xp.zeros(gx._data.shape[:-1] + (n - m,), dtype=gx._data.dtype))
        return cat([gx, gy], -1), None


def _qr_backward_tall(q, r, gq, gr):
    """PyTorch's linalg_qr_backward for m >= n:
    gA = (gQ + Q syminvadj(triu(gR R^T - Q^T gQ))) R^-T."""
    from .creation import triu
    if gq is not None and gr is not None:
        m_ = matmul(gr, _mT(r)) - matmul(_mT(q), gq)
    elif gq is not None:
        m_ = -matmul(_mT(q), gq)
    else:
        m_ = matmul(gr, _mT(r))
    m_ = triu(m_)
    # syminvadj(X) = X + X^T with the diagonal counted once
    m_ = m_ + _mT(m_) - _diag_embed(diagonal(m_, 0, -2, -1))
    ga = matmul(q, m_)
    if gq is not None:
        ga = ga + gq
    # ga R^-T = (R^-1 ga^T)^T
    return _mT(LinalgSolveEx.apply(r, _mT(ga)))


def linalg_qr(A, mode="reduced"):
    """QR decomposition ``A = Q R`` (``mode``: 'reduced', 'complete' or 'r'), as a named tuple
    ``(Q, R)``. Differentiable, except in mode 'r' and, for tall matrices, 'complete'.

    Example::

        >>> Q, R = gg.linalg.qr(gg.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> (Q @ R).round(decimals=4)
        tensor([[3., 1.],
                [4., 2.]])
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    _check_matrix("linalg.qr", A, square=False)
    _check_float("linalg.qr", A)
    _check_precision("geqrf_cpu", A)
    return _result("linalg_qr", ["Q", "R"], LinalgQr.apply(A, mode))


def qr(input, some=True):
    """``torch.qr``: ``some=False`` is mode 'complete'.

    Example::

        >>> Q, R = gg.qr(gg.eye(2))
    """
    Q, R = linalg_qr(input, "reduced" if some else "complete")
    return _result("qr", ["Q", "R"], (Q, R))


# ---------------------------------------------------------------------------------------------
# SVD

class LinalgSvd(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, full_matrices):
        xp = get_array_module(a)
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        m, n = u.shape[-2], vh.shape[-1]
        k = s.shape[-1]
        # With full_matrices the columns beyond k are not determined by A: as PyTorch, only
        # the first k take part.
        if u.shape[-1] != k:
            u = narrow(u, -1, 0, k)
            gu = narrow(gu, -1, 0, k) if gu is not None else None
        if vh.shape[-2] != k:
            vh = narrow(vh, -2, 0, k)
            gvh = narrow(gvh, -2, 0, k) if gvh is not None else None
        if gu is None and gvh is None:
            if gs is None:
                return None, None
            return (matmul(u, unsqueeze(gs, -1) * vh) if m >= n
                    else matmul(u * unsqueeze(gs, -2), vh)), None
        # PyTorch's svd_backward (real case), distinct nonzero singular values.
        s_row, s_col = unsqueeze(s, -2), unsqueeze(s, -1)
        s2 = s * s
        e = unsqueeze(s2, -2) - unsqueeze(s2, -1) + _eye_like(unsqueeze(s, -1) * s_row)
        if gu is not None:
            uhgu = matmul(_mT(u), gu)
            uhgu = uhgu - _mT(uhgu)
        if gvh is not None:
            vhgv = matmul(vh, _mT(gvh))
            vhgv = vhgv - _mT(vhgv)
        if gu is not None and gvh is not None:
            ga = (uhgu * s_row + s_col * vhgv) / e
        elif gu is not None:
            ga = uhgu * (s_row / e)
        else:
            ga = s_col * (vhgv / e)
        if gs is not None:
            ga = ga + _diag_embed(gs)
        if m > n and gu is not None:
            ga = matmul(u, ga)
            gu_sinv = gu / s_row
            ga = ga + gu_sinv - matmul(u, matmul(_mT(u), gu_sinv))
            ga = matmul(ga, vh)
        elif m < n and gvh is not None:
            ga = matmul(ga, vh)
            sinv_gvh = gvh / s_col
            ga = ga + sinv_gvh - matmul(matmul(sinv_gvh, _mT(vh)), vh)
            ga = matmul(u, ga)
        else:
            ga = matmul(u, matmul(ga, vh)) if m >= n else matmul(matmul(u, ga), vh)
        return ga, None


def linalg_svd(A, full_matrices=True, *, driver=None):
    """Singular value decomposition ``A = U diag(S) Vh``, as a named tuple ``(U, S, Vh)``.
    Differentiable where the singular values are distinct (and nonzero for U, Vh).
    ``driver`` (a cuSOLVER choice in PyTorch) is accepted and ignored.

    Example::

        >>> U, S, Vh = gg.linalg.svd(gg.tensor([[3.0, 0.0], [0.0, 4.0]]))
        >>> S
        tensor([4., 3.])
    """
    _check_matrix("linalg.svd", A, square=False)
    _check_float("linalg.svd", A)
    _check_precision("linalg_svd_cpu", A)
    return _result("linalg_svd", ["U", "S", "Vh"], LinalgSvd.apply(A, bool(full_matrices)))


def svdvals(A, *, driver=None):
    """Singular values, in descending order.

    Example::

        >>> gg.linalg.svdvals(gg.tensor([[3.0, 0.0], [0.0, 4.0]]))
        tensor([4., 3.])
    """
    _check_matrix("linalg.svd", A, square=False)
    _check_float("linalg.svd", A)
    _check_precision("linalg_svd_cpu", A)
    # U and Vh are outputs with history, so the gradient U diag(gS) Vh differentiates again.
    return LinalgSvd.apply(A, False)[1]


def svd(input, some=True, compute_uv=True):
    """``torch.svd``: ``(U, S, V)`` with ``V`` (not ``Vh``); ``some=False`` gives full U, V.

    Example::

        >>> U, S, V = gg.svd(gg.eye(2))
    """
    if not compute_uv:
        from .creation import zeros
        S = svdvals(input)
        m, n = input.shape[-2:]
        bat = tuple(input.shape[:-2])
        kw = dict(dtype=input.dtype, device=input.device)
        return _result("svd", ["U", "S", "V"], (zeros(bat + (m, m), **kw), S,
                                                zeros(bat + (n, n), **kw)))
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return _result("svd", ["U", "S", "V"], (U, S, _mT(Vh)))


# ---------------------------------------------------------------------------------------------
# Symmetric eigendecomposition

class LinalgEigh(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, uplo):
        xp = get_array_module(a)
        w, v = xp.linalg.eigh(a, UPLO=uplo)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gw, gv):
        w, v = ctx.saved_tensors
        if gv is None:
            if gw is None:
                return None, None
            return matmul(v * unsqueeze(gw, -2), _mT(v)), None
        # PyTorch's linalg_eig_backward for Hermitian input: gA = V (skew(V^T gV) / E + diag(gL))
        # V^T, E_ij = L_j - L_i. Only the skew part of V^T gV moves orthonormal eigenvectors;
        # skew over antisymmetric E is symmetric, and so is gA.
        vhgv = matmul(_mT(v), gv)
        vhgv = (vhgv - _mT(vhgv)) * 0.5
        e = unsqueeze(w, -2) - unsqueeze(w, -1) + _eye_like(vhgv)
        ret = vhgv / e
        if gw is not None:
            ret = ret + _diag_embed(gw)
        return matmul(matmul(v, ret), _mT(v)), None


def _check_eigh(A, UPLO):
    _check_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if A._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for "
                                  f"'{_dt.torch_name(A._data.dtype)}'")
    _check_precision("linalg_eigh_cpu", A)


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, read from the triangle
    ``UPLO``; a named tuple ``(eigenvalues, eigenvectors)``.

    Example::

        >>> L, V = gg.linalg.eigh(gg.tensor([[2.0, 0.0], [0.0, 1.0]]))
        >>> L
        tensor([1., 2.])
    """
    _check_eigh(A, UPLO)
    return _result("linalg_eigh", ["eigenvalues", "eigenvectors"], LinalgEigh.apply(A, UPLO))


def eigvalsh(A, UPLO="L"):
    """Eigenvalues of symmetric matrices, ascending.

    Example::

        >>> gg.linalg.eigvalsh(gg.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([1., 2.])
    """
    _check_eigh(A, UPLO)
    # The eigenvectors are an output with history: the gradient V diag(gL) V^T
    # differentiates again.
    return LinalgEigh.apply(A, UPLO)[0]


register_methods(
    det=det, logdet=logdet, slogdet=lambda self: slogdet(self), inverse=inverse,
    cholesky=lambda self, upper=False: cholesky(self, upper),
    qr=qr, svd=svd,
)

# Pseudo-inverse, rank, least squares, powers, norms and products live beside this module and
# are re-exported here: one module for gpugrad.ops to import. (Imported last: they build on the
# factorizations above.)
from . import linalg_extra as _extra  # noqa: E402
from .linalg_extra import *  # noqa: E402,F401,F403

__all__ = __all__ + _extra.__all__
