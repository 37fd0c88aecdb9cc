"""Linear algebra built on the factorizations of ``decompositions.py``: pinv, matrix_rank,
lstsq, matrix_power, vector/matrix norms, cross products, cdist/dist and matrix-product
helpers (multi_dot, chain_matmul, addmv, addbmm, vecdot).

Most are compositions of differentiable ops, so their gradients (and double backward) come
from those ops; the ones with a formula of their own (pinv, p-norms) write their backward in
gpugrad ops.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _make, _wrap_dim
from ._util import normalize_dims, register_methods
from ._linalg_util import _check_float, _check_matrix, _mT, _result
from .decompositions import inv, svdvals
from .linalg import matmul
from .reduce import _expand_back, amax, amin, sum
from .shape import movedim, squeeze, unsqueeze

__all__ = ["pinverse", "matrix_power", "cross", "cdist", "dist", "chain_matmul", "addmv",
           "addbmm"]


# ---------------------------------------------------------------------------------------------
# Pseudo-inverse, rank, least squares

def _tolerance(xp, s, atol, rtol, m, n, dtype):
    """PyTorch's cut-off for singular values: max(atol, rtol * largest); rtol defaults to
    eps * max(m, n) unless only a positive atol was given."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(dtype).eps * max(m, n)
    atol = 0.0 if atol is None else atol
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,),
                                                                       dtype)
    return xp.maximum(atol, rtol * smax)


def _scalar(x):
    return float(x.item()) if isinstance(x, Tensor) else x


class LinalgPinv(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = get_array_module(a)
        m, n = a.shape[-2:]
        if hermitian:
            w, v = xp.linalg.eigh(a)
            tol = _tolerance(xp, xp.abs(w), atol, rtol, m, n, a.dtype)
            with np.errstate(divide="ignore"):
                winv = xp.where(xp.abs(w) > tol, 1 / w, 0).astype(a.dtype)
            y = (v * winv[..., None, :]) @ v.swapaxes(-1, -2)
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            tol = _tolerance(xp, s, atol, rtol, m, n, a.dtype)
            with np.errstate(divide="ignore"):
                sinv = xp.where(s > tol, 1 / s, 0).astype(a.dtype)
            y = (vh.swapaxes(-1, -2) * sinv[..., None, :]) @ u.swapaxes(-1, -2)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        # PyTorch's pinv_backward, arranged to multiply the smallest matrices.
        m, n = a.shape[-2:]
        ph, gh = _mT(p), _mT(g)
        if m <= n:
            k = matmul(gh, p)
            kph = matmul(k, ph)
            ga = (-_mT(matmul(p, k)) + kph - matmul(matmul(a, p), kph)
                  + matmul(matmul(ph, p), gh - matmul(k, a)))
        else:
            k = matmul(p, gh)
            phk = matmul(ph, k)
            ga = (-_mT(matmul(k, p)) + matmul(matmul(gh - matmul(a, k), p), ph) + phk
                  - matmul(matmul(phk, p), a))
        return ga, None, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, rcond=None):
    """Moore-Penrose pseudo-inverse; singular values at or below ``max(atol, rtol * largest)``
    count as zero (``rcond`` is the older name of ``rtol``).

    Example::

        >>> gg.linalg.pinv(gg.tensor([[2.0, 0.0], [0.0, 0.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    if A._data.ndim < 2 or A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({_dt.torch_name(A._data.dtype)}{{{list(A.shape)}}}): "
                           f"expected a tensor with 2 or more dimensions of float, double, "
                           f"cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return LinalgPinv.apply(A, _scalar(atol), _scalar(rtol), bool(hermitian))


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: the pseudo-inverse with a relative cut-off ``rcond``.

    Example::

        >>> gg.pinverse(gg.eye(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """Number of singular values above ``max(atol, rtol * largest)`` (an int64 tensor; no
    gradient).

    Example::

        >>> gg.linalg.matrix_rank(gg.ones(3, 3))
        tensor(1)
    """
    if A._data.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A._data.ndim < 2:
        raise RuntimeError("gpugrad.linalg.matrix_rank: The input tensor input must have at "
                           "least 2 dimensions.")
    _check_matrix("linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    a = A._data
    xp = get_array_module(a)
    s = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    tol_ = _tolerance(xp, s, _scalar(atol), _scalar(rtol), a.shape[-2], a.shape[-1], a.dtype)
    return _make((s > tol_).sum(axis=-1).astype(np.int64))


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B``, a named tuple ``(solution, residuals, rank,
    singular_values)`` filled as PyTorch's CPU default driver fills it (residuals and
    singular values empty). ``solution`` is ``pinv(A) @ B``, differentiable.

    Example::

        >>> A = gg.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        >>> gg.linalg.lstsq(A, gg.tensor([1.0, 2.0, 3.0])).solution
        tensor([1., 2.])
    """
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"gpugrad.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {_dt.torch_name(A._data.dtype)} and "
                           f"other's dtype {_dt.torch_name(B._data.dtype)}")
    _check_matrix("linalg.lstsq", A, square=False)
    _check_float("linalg.lstsq", A)
    vector = B._data.ndim == A._data.ndim - 1
    b = unsqueeze(B, -1) if vector else B
    if A._data.shape[-2] != b._data.shape[-2]:
        raise RuntimeError("gpugrad.linalg.lstsq: input.size(-2) should match other.size(-"
                           f"{1 if vector else 2})")
    m, n = A._data.shape[-2:]
    rtol = np.finfo(A._data.dtype).eps * max(m, n) if rcond is None else rcond
    x = matmul(pinv(A, rtol=rtol), b)
    if vector:
        x = squeeze(x, -1)
    xp = get_array_module(A._data)
    empty = _make(xp.zeros((0,), dtype=A._data.dtype))
    rank = matrix_rank(A.detach(), rtol=rtol)
    return _result("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"],
                   (x, empty, rank, _make(xp.zeros((0,), dtype=A._data.dtype))))


# ---------------------------------------------------------------------------------------------
# Matrix powers

class _Identity(Function):
    """Identity matrices shaped as the input, with a zero gradient (``matrix_power(A, 0)``
    keeps ``requires_grad``, as PyTorch's)."""
    _array_forward = True
    _builtin = True
    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        return xp.ascontiguousarray(xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype),
                                                    a.shape))

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g._data)
        return _make(xp.zeros(g._data.shape, dtype=g._data.dtype))


def matrix_power(A, n):
    """``A`` multiplied by itself ``n`` times (an integer; ``n < 0`` uses the inverse,
    ``n == 0`` gives identities).

    Example::

        >>> gg.linalg.matrix_power(gg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    _check_matrix("linalg.matrix_power", A)
    n = int(n)
    if n == 0:
        return _Identity.apply(A)
    if n < 0:
        A, n = inv(A), -n
    # Binary powering: about log2(n) products, each differentiable.
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


# ---------------------------------------------------------------------------------------------
# Norms

class LinalgVectorNorm(Function):
    """General p-norm (sum |x|^p)^(1/p); backward as PyTorch's norm_backward, 0 where the norm
    is 0."""
    _array_forward = True
    _builtin = True
    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        xp = get_array_module(x)
        y = ((xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim)) ** (1.0 / p)
        y = xp.asarray(y, dtype=x.dtype)
        ctx.p, ctx.axes, ctx.keepdim, ctx.in_shape = p, axes, keepdim, x.shape
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        from .arithmetic import where
        from .pointwise import sgn
        x, y = ctx.saved_tensors
        p = ctx.p
        g = _expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim)
        y = _expand_back(y, ctx.in_shape, ctx.axes, ctx.keepdim)
        zero = y == 0
        # A safe denominator where the norm is 0 keeps nan out of a second differentiation.
        safe = where(zero, 1.0, y)
        ax = x.abs()
        if p < 1:
            scaled = sgn(x) * where(x == 0, 0.0, where(x == 0, 1.0, ax) ** (p - 1))
            return scaled * g * safe ** (1 - p), None, None, None
        if p < 2:
            scaled = sgn(x) * ax ** (p - 1)
        else:
            scaled = x * ax ** (p - 2)
        return scaled * where(zero, 0.0, g / safe ** (p - 1)), None, None, None


class _CountNonzero(Function):
    """The 0-"norm": how many entries are nonzero. Its gradient is zero (as PyTorch's), but
    the result stays in the graph."""
    _array_forward = True
    _builtin = True
    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape = x.shape
        return (x != 0).sum(axis=axes, keepdims=keepdim).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g._data)
        return _make(xp.zeros(ctx.shape, dtype=g._data.dtype)), None, None


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """Vector ``ord``-norm over ``dim`` (all elements by default): any real ``ord``, ``inf``,
    ``-inf``, 0 (count of nonzeros).

    Example::

        >>> gg.linalg.vector_norm(gg.tensor([3.0, -4.0]))
        tensor(5.)
        >>> gg.linalg.vector_norm(gg.tensor([3.0, -4.0]), ord=float("inf"))
        tensor(4.)
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, "
                        f"not {type(ord).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    _check_float("linalg.vector_norm", x)
    from .statistics import L2Norm
    axes = normalize_dims(dim, x._data.ndim)
    ord = float(ord)
    if ord == 2:
        return L2Norm.apply(x, axes, keepdim)
    if ord == float("inf"):
        return amax(x.abs(), axes, keepdim)
    if ord == float("-inf"):
        return amin(x.abs(), axes, keepdim)
    if ord == 0:
        return _CountNonzero.apply(x, axes, keepdim)
    if ord == 1:
        return sum(x.abs(), axes, keepdim)
    return LinalgVectorNorm.apply(x, ord, axes, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc' (sum of singular values), 2 / -2
    (largest / smallest singular value), 1 / -1 (max / min column sum of ``|A|``), inf / -inf
    (max / min row sum).

    Example::

        >>> gg.linalg.matrix_norm(gg.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
        tensor(6.)
    """
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    _check_float("linalg.matrix_norm", A)
    dim = tuple(dim)
    if len(dim) != 2:
        got = " ".join(map(str, dim))
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    nd = A._data.ndim
    d0, d1 = _wrap_dim(dim[0], nd), _wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    inf = float("inf")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(A, (d0, d1), (-2, -1)))
        r = sum(s, -1) if ord == "nuc" else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = unsqueeze(r, d)
        return r
    if ord in (1, -1, inf, -inf):
        # 1: columns summed over rows (d0), then the max over columns (d1); inf: the reverse.
        red, pick = (d0, d1) if ord in (1, -1) else (d1, d0)
        r = sum(A.abs(), red, True)
        r = (amax if ord > 0 else amin)(r, pick, True)
        return r if keepdim else squeeze(squeeze(r, max(d0, d1)), min(d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm or a matrix norm, chosen by ``ord`` and ``dim``
    (with neither, the 2-norm of all elements).

    Example::

        >>> gg.linalg.norm(gg.tensor([[1.0, 2.0], [2.0, 4.0]]), ord="fro")
        tensor(5.)
    """
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or "
                               f"2. Got {list(dim)}")
    elif ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A._data.ndim}D.")
    if isinstance(ord, str):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and (dim is not None and len(dim) == 2
                            or dim is None and A._data.ndim == 2):
        return matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# Cross products and distances

def linalg_cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along ``dim`` (batch dims broadcast).

    Example::

        >>> gg.linalg.cross(gg.tensor([1.0, 0.0, 0.0]), gg.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    from ..autograd.broadcast import broadcast_shapes
    from .rearrange import roll
    from .shape import broadcast_to
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, input._data.ndim)
    na, nb = input._data.shape[d], other._data.shape[d]
    if na != 3 or nb != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{na} and {nb}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(input._data.dtype)} but "
                           f"found {_dt.torch_name(other._data.dtype)}")
    shape = broadcast_shapes(input._data.shape, other._data.shape)
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)
    # c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1} (indices mod 3): four shifted products.
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


def cross(input, other, dim=None):
    """``torch.cross``: as ``gg.linalg.cross``, but ``dim`` defaults to the first dim of size 3
    of ``input`` (PyTorch warns that this default will change; gpugrad keeps it quietly).

    Example::

        >>> gg.cross(gg.tensor([[1.0, 0.0, 0.0]]), gg.tensor([[0.0, 1.0, 0.0]]))
        tensor([[0., 0., 1.]])
    """
    if dim is None:
        dim = next((i for i, n in enumerate(input._data.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of ``x1`` (..., P, M) and of ``x2`` (..., R, M):
    (..., P, R).

    Example::

        >>> gg.cdist(gg.tensor([[0.0, 0.0]]), gg.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[5., 1.]])
    """
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_dt.torch_name(t._data.dtype)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast: float32
        x1, x2 = _function._autocast_hook("cdist", (x1, x2))
    # All pairwise differences at once: (..., P, 1, M) - (..., 1, R, M).
    return vector_norm(unsqueeze(x1, -2) - unsqueeze(x2, -3), p, -1)


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (broadcast), a 0-d tensor.

    Example::

        >>> gg.dist(gg.tensor([0.0, 0.0]), gg.tensor([3.0, 4.0]))
        tensor(5.)
    """
    return vector_norm(input - other, _scalar(p))


# ---------------------------------------------------------------------------------------------
# Products

def multi_dot(tensors):
    """Product of a chain of matrices; the first may be a row vector and the last a column
    vector (1-D), as ``torch.linalg.multi_dot``.

    Example::

        >>> gg.linalg.multi_dot([gg.ones(2), gg.ones(2, 3), gg.ones(3)])
        tensor(6.)
    """
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def chain_matmul(*matrices):
    """``torch.chain_matmul``: the product of 2-D matrices (``gg.linalg.multi_dot`` is the
    current name).

    Example::

        >>> gg.chain_matmul(gg.eye(2), gg.ones(2, 3)).shape
        gpugrad.Size([2, 3])
    """
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return multi_dot(matrices)


def _add_scaled(input, prod, beta, alpha):
    """beta * input + alpha * prod; with beta == 0 the input's values (even nan) are ignored,
    as PyTorch's."""
    from ..autograd.broadcast import broadcast_shapes
    from .shape import broadcast_to
    prod = prod * alpha if alpha != 1 else prod
    if beta == 0:
        return broadcast_to(prod, broadcast_shapes(input._data.shape, prod._data.shape))
    return (input * beta if beta != 1 else input) + prod


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``.

    Example::

        >>> gg.addmv(gg.ones(2), gg.eye(2), gg.tensor([1.0, 2.0]))
        tensor([2., 3.])
    """
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, "
                           f"{mat._data.ndim}, {vec._data.ndim}")
    return _add_scaled(input, matmul(mat, vec), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``.

    Example::

        >>> gg.addbmm(gg.zeros(2, 2), gg.ones(3, 2, 1), gg.ones(3, 1, 2))
        tensor([[3., 3.],
                [3., 3.]])
    """
    if batch1._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    from .linalg import bmm
    return _add_scaled(input, sum(bmm(batch1, batch2), 0), beta, alpha)


def vecdot(x, y, *, dim=-1):
    """Dot products of vectors along ``dim`` (batch dims broadcast).

    Example::

        >>> gg.linalg.vecdot(gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0]))
        tensor(11.)
    """
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {_dt.torch_name(x._data.dtype)} and y of type "
                           f"{_dt.torch_name(y._data.dtype)} instead")
    return sum(x * y, dim)


register_methods(
    pinverse=pinverse, matrix_power=matrix_power, cross=cross, dist=dist,
    addmv=lambda self, mat, vec, *, beta=1, alpha=1: addmv(self, mat, vec, beta=beta,
                                                          alpha=alpha),
    addbmm=lambda self, b1, b2, *, beta=1, alpha=1: addbmm(self, b1, b2, beta=beta,
                                                          alpha=alpha),
)
