"""Matrix products: matmul (batched, broadcast), mm, bmm, mv, dot, outer, einsum, linear."""
import numpy as np

from ..autograd import function as _function
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor, _wrap_dim
from .. import dtypes as _dt
from ._util import not_implemented_for, register_methods
from .shape import reshape, transpose, unsqueeze, squeeze

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum",
           "addmm", "baddbmm", "tensordot", "kron", "trace", "diag", "diagonal"]


_BOOL = np.dtype(bool)


class MatMul(Function):
    _array_forward = True
    _builtin = True
    _ctx_free = True
    _saved_names = ('self', 'other')   # grad_fn._saved_<name>, as PyTorch's

    @staticmethod
    def forward(ctx, a, b):
        # PyTorch's errors where NumPy would not raise (mixed dtypes, bool) are checked first;
        # the rest (0-d, sizes, batch dims) only once NumPy has refused: fewer tests per call.
        # Builtin dtypes are singletons, so identity is the quick test; an equal dtype that is
        # another object only takes the full check, which lets it pass.
        dt = a.dtype
        if dt is not b.dtype or dt is _BOOL:
            _check_matmul(a, b)
        try:
            y = a @ b
        except ValueError:
            _check_matmul(a, b)
            raise
        need = ctx.needs_input_grad
        if need[0] or need[1]:          # recorded (backward's only reader)
            ctx.ndims = (a.ndim, b.ndim)
            # Save an input only if the other side's gradient needs it.
            ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a_nd, b_nd = ctx.ndims
        need = ctx.needs_input_grad
        if a_nd == 1 and b_nd == 1:
            # A dot product: g is 0-d.
            return (g * b if need[0] else None), (g * a if need[1] else None)
        # A 1-D side is a matrix with a dimension of 1 that the result dropped: put it back,
        # take the matrix gradients, drop it again; the engine sums broadcast batch dims.
        if a_nd == 1:
            g = unsqueeze(g, -2)
        if b_nd == 1:
            g = unsqueeze(g, -1)
        ga = gb = None
        if need[0]:
            b2 = unsqueeze(b, -1) if b_nd == 1 else b
            ga = matmul(g, transpose(b2, -1, -2))
            if a_nd == 1:
                ga = squeeze(ga, -2)
        if need[1]:
            a2 = unsqueeze(a, 0) if a_nd == 1 else a
            gb = matmul(transpose(a2, -1, -2), g)
            if b_nd == 1:
                gb = squeeze(gb, -1)
        return ga, gb

    @staticmethod
    def _backward_arrays(ctx, g):
        # backward's products for matrices and batches of them (1-D sides take backward).
        a_nd, b_nd = ctx.ndims
        if a_nd < 2 or b_nd < 2:
            return NotImplemented
        a, b = ctx.saved_arrays
        need = ctx.needs_input_grad
        return (g @ b.swapaxes(-1, -2) if need[0] else None,
                a.swapaxes(-1, -2) @ g if need[1] else None)


def _check_matmul(a, b):
    """PyTorch's errors for matmul: 0-d operands, mismatched sizes, mixed dtypes, bool."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    batched = a.ndim > 2 and b.ndim > 1 or b.ndim > 2
    if ka != kb:
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] "
                               f"to have the same number of elements, but got {ka} and {kb} "
                               f"elements respectively")
        if b.ndim == 1:
            rows = int(np.prod(a.shape[:-1]))
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{ka}), "
                               f"vec ({kb})")
        if b.ndim == 2:
            rows = int(np.prod(a.shape[:-1]))
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{ka} and "
                               f"{b.shape[0]}x{b.shape[1]})")
        n = int(np.prod(b.shape[:-2]))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{n}, {ka}] but got: [{n}, {kb}].")
    if batched:
        from ..autograd.broadcast import broadcast_shapes
        broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.dtype != b.dtype:
        na, nb = _dt.torch_name(a.dtype), _dt.torch_name(b.dtype)
        if a.ndim == 1 and b.ndim == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {na} "
                               f"and {nb}")
        if b.ndim == 1:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {nb}, "
                               f"{na}, and {nb}")
        if batched:
            raise RuntimeError(f"expected scalar type {na} but found {nb}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_dt.cpp_name(a.dtype)} != {_dt.cpp_name(b.dtype)}")
    if a.dtype.kind == "b":
        name = ("dot" if a.ndim == 1 and b.ndim == 1 else "addmv_impl_cpu" if b.ndim == 1
                else "bmm" if batched else "addmm_impl_cpu_")
        raise not_implemented_for(name, a)


def matmul(input, other):
    """Matrix product with NumPy's rules for 1-D arguments and broadcast batch dims.

    Example::

        >>> (gg.ones(2, 3) @ gg.ones(3)).tolist()
        [3.0, 3.0]
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other if isinstance(input, Tensor) else input).__name__}")
    return MatMul.apply(input, other)


def mm(input, mat2):
    """Product of two 2-D tensors."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched product of two 3-D tensors."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                           f"{mat2.shape[1]}].")
    return matmul(input, mat2)


class _MatMulOwnAutocast(MatMul):
    """MatMul under a name autocast's lists do not hold: mv and dot have entries of their own
    (PyTorch leaves them alone on cpu, and dot promotes on cuda), not matmul's."""
    _node_name = "MatMulBackward0"


def _own_autocast_matmul(name, a, b):
    a, b = _function._autocast_hook(name, (a, b))
    return _MatMulOwnAutocast.apply(a, b)


def mv(input, vec):
    if _function._autocast_hook is not None:
        return _own_autocast_matmul("mv", input, vec)
    return matmul(input, vec)


def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           f"tensors")
    if _function._autocast_hook is not None:
        return _own_autocast_matmul("dot", input, other)
    return matmul(input, other)


vdot = dot


def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return matmul(input, transpose(other, -1, -2) if other.ndim > 1 else other)


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if _function._autocast_hook is not None:    # autocast: all three inputs in float16
        input, mat1, mat2 = _function._autocast_hook("addmm", (input, mat1, mat2))
    prod = mm(mat1, mat2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if _function._autocast_hook is not None:    # autocast: all three inputs in float16
        input, batch1, batch2 = _function._autocast_hook("baddbmm", (input, batch1, batch2))
    prod = bmm(batch1, batch2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


class Einsum(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, equation, *operands):
        xp = get_array_module(*operands)
        ctx.equation = equation
        ctx.shapes = tuple(o.shape for o in operands)
        need = ctx.needs_input_grad[1:]
        # Operand j is read only by the other operands' gradients: keep it only if one of
        # them needs a gradient.
        n_need = sum(need)
        ctx.save_for_backward(*[o if n_need - need[j] > 0 else None
                                for j, o in enumerate(operands)])
        return xp.einsum(equation, *operands)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        shapes = ctx.shapes
        ins, out = _parse_einsum(ctx.equation, [len(s) for s in shapes])
        grads = [None]
        for i, shape in enumerate(shapes):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            op = _Shaped(shape)
            others = [o for j, o in enumerate(ops) if j != i]
            other_subs = [s for j, s in enumerate(ins) if j != i]
            target = ins[i]
            # Letters of the input missing from everything else were summed away: they come
            # back by broadcasting; repeated letters (diagonals) are handled by a mask.
            avail = set(out) | set("".join(other_subs))
            kept = "".join(dict.fromkeys(c for c in target if c in avail))
            eq = ",".join([out] + other_subs) + "->" + kept
            gi = einsum(eq, g, *others)
            gi = _expand_subscripts(gi, kept, target, op)
            grads.append(gi)
        return tuple(grads)


def _expand_subscripts(gi, kept, target, op):
    """Turn a gradient indexed by ``kept`` into one indexed by ``target`` (op's shape)."""
    from .shape import broadcast_to, permute
    sizes = dict(zip(target, op.shape))
    if len(set(target)) == len(target):
        missing = [c for c in target if c not in kept]
        full = kept + "".join(missing)
        shape = tuple(sizes[c] for c in kept) + (1,) * len(missing)
        gi = reshape(gi, shape)
        gi = broadcast_to(gi, tuple(sizes[c] for c in full))
        perm = [full.index(c) for c in target]
        return permute(gi, *perm)
    # Repeated letters: build with an einsum against identity masks.
    from .creation import eye
    uniq = "".join(dict.fromkeys(target))
    gi = _expand_subscripts(gi, kept, uniq, _Shaped(tuple(sizes[c] for c in uniq)))
    masks, mask_subs = [], []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    out_subs = []
    for c in target:
        if target.count(c) > 1 and c in out_subs:
            new = next(letters)
            masks.append(eye(sizes[c], dtype=gi.dtype, device=gi.device))
            mask_subs.append(c + new)
            out_subs.append(new)
        else:
            out_subs.append(c)
    eq = ",".join([uniq] + mask_subs) + "->" + "".join(out_subs)
    return einsum(eq, gi, *masks)


class _Shaped:
    def __init__(self, shape):
        self.shape = shape


def _parse_einsum(equation, ndims):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if any("..." in s for s in ins):
        letters = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   if c not in eq]
        n_ell = max(nd - (len(s) - 3) for s, nd in zip(ins, ndims) if "..." in s)
        ell = "".join(letters[:n_ell])
        ins = [s.replace("...", ell[n_ell - (nd - (len(s) - 3)):]) if "..." in s else s
               for s, nd in zip(ins, ndims)]
        if out is not None:
            out = out.replace("...", ell)
        else:
            out = None
            implicit_ell = ell
    if out is None:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(sorted(c for c, n in counts.items() if n == 1 and c.islower() or
                             n == 1 and c.isupper()))
        if "..." in lhs:
            out = implicit_ell + "".join(c for c in out if c not in implicit_ell)
    return ins, out


def _check_einsum_sizes(equation, ins, out, operands):
    """PyTorch's errors for the operand count, for an output subscript repeated or unknown,
    and for sizes that disagree (within an operand exactly; across operands, a size of 1
    broadcasts). Subscripts absent from ``equation`` stand for dims under an ellipsis."""
    if len(ins) != len(operands):
        raise RuntimeError(f"einsum(): {'fewer' if len(operands) < len(ins) else 'more'} "
                           f"operands were provided than specified in the equation")
    for c in out:
        if out.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the "
                               f"output")
        if not any(c in s for s in ins):
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                               f"equation for any input operand")
    seen = {}
    for k, (s, o) in enumerate(zip(ins, operands)):
        local = {}
        for c, n in zip(s, o._data.shape):
            if c in local and local[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but "
                                   f"the sizes don't match, {n} != {local[c]}")
            local[c] = n
        for c, n in local.items():
            prev = seen.get(c, 1)
            if n != prev and prev != 1 and n != 1:
                if c not in equation:
                    raise RuntimeError(f"einsum(): dimension {s.index(c)} covered by ellipsis "
                                       f"in operand {k}has size {n} which does not broadcast "
                                       f"with previously seen ellipsis with size {prev} for "
                                       f"the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} "
                                   f"which does not broadcast with previously seen size {prev}")
            seen[c] = n if prev == 1 else prev


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum`` (differentiable, including diagonals).

    Example::

        >>> gg.einsum("ij,jk->ik", gg.ones(2, 3), gg.ones(3, 4)).shape
        gpugrad.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse_einsum(equation, [o.ndim for o in operands])
    eq = ",".join(ins) + "->" + out
    for s, o in zip(ins, operands):
        if len(s) != o.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({o.ndim}) for "
                               f"operand {ins.index(s)} and no ellipsis was given")
    _check_einsum_sizes(equation, ins, out, operands)
    if _function._autocast_hook is not None:    # autocast casts before the dtype check
        operands = _function._autocast_hook("einsum", operands)
    first = operands[0]._data.dtype
    for o in operands[1:]:
        if o._data.dtype != first:
            raise RuntimeError(f"expected scalar type {_dt.torch_name(first)} but found "
                               f"{_dt.torch_name(o._data.dtype)}")
    return Einsum.apply(eq, *operands)


def tensordot(a, b, dims=2):
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb)
                                                         if j not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def kron(a, b):
    res = einsum("ij,kl->ikjl", a if a.ndim == 2 else reshape(a, (1, -1)),
                 b if b.ndim == 2 else reshape(b, (1, -1)))
    s = res.shape
    out = reshape(res, (s[0] * s[1], s[2] * s[3]))
    return out if a.ndim == 2 else reshape(out, (-1,))


def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if _function._autocast_hook is not None:    # autocast: float32 on cpu
        input, = _function._autocast_hook("trace", (input,))
    return diagonal(input).sum()


class Diagonal(Function):
    """A view of the diagonal ``offset`` above the main one of the (dim1, dim2) planes, as
    the last dim: writing into it writes into the input, as in PyTorch."""
    _array_forward = True
    _builtin = True
    _view_op = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        y = get_array_module(x).diagonal(x, offset, dim1, dim2)
        if type(y) is np.ndarray and x.flags.writeable:
            # NumPy hands out diagonals read-only for backward compatibility; the memory is
            # the input's, which may be written (CuPy's diagonal is writeable already).
            y.flags.writeable = True
        ctx.in_shape, ctx.dims = x.shape, (offset, dim1, dim2)
        return y

    @staticmethod
    def backward(ctx, g):
        # PyTorch's diagonal_backward: zeros of the input's shape, g copied into their
        # diagonal; the copy is an in-place op on a view, so create_graph works through it.
        from .creation import zeros
        gx = zeros(ctx.in_shape, dtype=g.dtype, device=g.device)
        Diagonal.apply(gx, *ctx.dims).copy_(g)
        return gx, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal (``offset`` above the main one) over dims ``dim1`` and ``dim2``, as a
    view: ``a.diagonal().add_(1e-6)`` changes ``a``.

    Example::

        >>> a = gg.zeros(2, 3)
        >>> a.diagonal(1).fill_(1.0)
        tensor([1., 1.])
        >>> a
        tensor([[0., 1., 0.],
                [0., 0., 1.]])
    """
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input, diagonal=0):
    if input.ndim == 1:
        n = input.shape[0] + abs(diagonal)
        from .creation import eye
        if diagonal == 0:
            return einsum("i,ij->ij", input, eye(n, dtype=input.dtype, device=input.device))
        from .creation import zeros
        out = zeros(n, n, dtype=input.dtype, device=input.device)
        idx = np.arange(input.shape[0])
        rows, cols = (idx, idx + diagonal) if diagonal >= 0 else (idx - diagonal, idx)
        from .indexing import index_put
        return index_put(out, (rows, cols), input)
    # A copy, not a view, as PyTorch's diag of a matrix.
    from .indexing import _take_diagonal
    return _take_diagonal(input, diagonal, 0, 1)


register_methods(
    matmul=matmul, __matmul__=lambda s, o: MatMul.apply(s, o) if isinstance(o, Tensor) else
    NotImplemented, __rmatmul__=lambda s, o: matmul(o, s) if isinstance(o, Tensor) else
    NotImplemented, mm=mm, bmm=bmm,
    mv=mv, dot=dot, vdot=dot, inner=inner, outer=outer, ger=outer, addmm=addmm,
    baddbmm=baddbmm, kron=kron, trace=trace, diagonal=diagonal, diag=diag,
)
