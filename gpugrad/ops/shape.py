"""Shape ops: reshape/view, transpose, permute, squeeze, expand, cat, stack, split, flip, repeat.

Ops that return views of their input are marked ``_view_op``: their output shares the
input's storage and version counter, as in PyTorch, so an in-place change is seen by both.
"""
import numpy as np

from ..autograd.broadcast import BroadcastTo, broadcast_shapes
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Size, Tensor, _make, _wrap_dim
from ._util import register_methods

__all__ = ["reshape", "flatten", "unflatten", "transpose", "swapaxes", "swapdims", "permute",
           "squeeze", "unsqueeze", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
           "cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk",
           "unbind", "flip", "fliplr", "flipud", "repeat_interleave", "movedim", "moveaxis",
           "tile", "ravel", "t", "atleast_1d", "atleast_2d", "narrow"]


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               f"because the unspecified dimension size -1 can be any value "
                               f"and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


class Reshape(Function):
    _array_forward = True
    _builtin = True
    _view_op = True
    _node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return x.reshape(_infer_shape(shape, x.size))

    @staticmethod
    def backward(ctx, g):
        return Reshape.apply(g, ctx.in_shape), None


class View(Reshape):
    """``view``: a reshape that must not copy."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        target = _infer_shape(shape, x.size)
        y = x.view()
        try:
            y.shape = target
        except AttributeError:
            raise RuntimeError("view size is not compatible with input tensor's size and "
                               "stride (at least one dimension spans across two contiguous "
                               "subspaces). Use .reshape(...) instead.") from None
        return y

    @staticmethod
    def backward(ctx, g):
        return Reshape.apply(g, ctx.in_shape), None


def reshape(input, *shape):
    """The same elements in a new shape (a view when the layout allows).

    Example::

        >>> gg.arange(6).reshape(2, 3).shape
        gpugrad.Size([2, 3])
    """
    return Reshape.apply(input, _shape_arg(shape))


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, Size)):
        from .. import dtypes
        return _make(input._data.view(dtypes.to_numpy_dtype(shape[0])))
    return View.apply(input, _shape_arg(shape))


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    nd = input._data.ndim
    if nd == 0:
        return Reshape.apply(input, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    new = shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]
    return Reshape.apply(input, new)


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of them may be -1)."""
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    try:
        sizes = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({shape[d]}) in the input tensor") from None
    return Reshape.apply(input, shape[:d] + tuple(sizes) + shape[d + 1:])


def ravel(input):
    return Reshape.apply(input, (-1,))


class Squeeze(Reshape):
    _node_name = "SqueezeBackward0"


class SqueezeDim(Reshape):
    _node_name = "SqueezeBackward1"


class SqueezeDims(Reshape):
    _node_name = "SqueezeBackward2"


class Unsqueeze(Reshape):
    _node_name = "UnsqueezeBackward0"


class Permute(Function):
    _array_forward = True
    _builtin = True
    _view_op = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return Permute.apply(g, tuple(np.argsort(ctx.dims))), None


class Transpose(Permute):
    _node_name = "TransposeBackward0"


class TransposeT(Permute):
    """``t()``."""
    _node_name = "TBackward0"


def permute(input, *dims):
    """Reorder dimensions (a view)."""
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    wrapped = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, wrapped)


def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    nd = input._data.ndim
    if nd == 0:
        return Permute.apply(input, ())
    perm = list(range(nd))
    a, b = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    perm[a], perm[b] = perm[b], perm[a]
    return Transpose.apply(input, tuple(perm))


swapaxes = swapdims = transpose


def t(input):
    """Transpose a tensor of at most 2 dims."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return TransposeT.apply(input, (1, 0) if nd == 2 else tuple(range(nd)))


_T_WARNED = set()


def _T(self):
    nd = self._data.ndim
    if nd != 2:
        # PyTorch deprecates .T off matrices, warning once per process.
        kind = "0d" if nd == 0 else "nd"
        if kind not in _T_WARNED:
            _T_WARNED.add(kind)
            import warnings
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity "
                          "in these cases." if nd == 0 else
                          "The use of `x.T` on tensors of dimension other than 2 to reverse "
                          "their shape is deprecated and it will throw an error in a future "
                          "release. Consider `x.mT` to transpose batches of matrices or "
                          "`x.permute(*gpugrad.arange(x.ndim - 1, -1, -1))` to reverse the "
                          "dimensions of a tensor.", UserWarning, stacklevel=2)
    return Permute.apply(self, tuple(range(nd - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_wrap_dim(s, nd) for s in src]
    dst = [_wrap_dim(d, nd) for d in dst]
    if nd == 0:  # dims 0 and -1 name the one "dim" of a 0-d tensor; nothing moves
        return Permute.apply(input, ())
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return Permute.apply(input, tuple(order))


moveaxis = movedim


def squeeze(input, dim=None):
    """Remove dims of size 1 (all, or the given ones)."""
    shape = input._data.shape
    nd = len(shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        drop = {_wrap_dim(d, nd) for d in dims} if nd else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in drop and s == 1))
        cls = SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
        return cls.apply(input, new)
    return Squeeze.apply(input, new)


def unsqueeze(input, dim):
    """Insert a dim of size 1 at ``dim``."""
    if isinstance(dim, bool) or not hasattr(type(dim), "__index__"):
        raise TypeError(f"unsqueeze(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape) + 1)
    return Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])


def expanded_shape(input, size):
    """The shape ``input.expand(*size)`` has (-1 keeps a dim), or PyTorch's error."""
    shape = input._data.shape
    lead = len(size) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand({input.type()}{{{list(shape)}}}, size={list(size)}): the "
                           f"number of sizes provided ({len(size)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    target = []
    for i, s in enumerate(size):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            s = shape[i - lead]
        elif i >= lead and shape[i - lead] != 1 and shape[i - lead] != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({shape[i - lead]}) at non-singleton dimension {i}.  "
                               f"Target sizes: {list(size)}.  Tensor sizes: {list(shape)}")
        target.append(s)
    return tuple(target)


def broadcast_to(input, size):
    """``input`` seen with ``size`` by broadcasting (a read-only view)."""
    shape = input._data.shape
    size = _shape_arg((size,)) if not isinstance(size, int) else (size,)
    target = expanded_shape(input, size)
    if target == shape:
        return Reshape.apply(input, shape)
    return BroadcastTo.apply(input, target)


def expand(input, *sizes):
    return broadcast_to(input, _shape_arg(sizes))


def expand_as(input, other):
    return broadcast_to(input, other._data.shape)


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(broadcast_to(t, shape) for t in tensors)


class Cat(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, dim, *xs):
        xp = get_array_module(*xs)
        ctx.sizes = [x.shape[dim] for x in xs]
        ctx.dim = dim
        return xp.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(split(g, ctx.sizes, ctx.dim))


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim.

    Example::

        >>> gg.cat([gg.zeros(2), gg.ones(1)]).tolist()
        [0.0, 0.0, 1.0]
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("gpugrad.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-D tensors.
    kept = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    nd = kept[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, nd)
    ref = kept[0]._data.shape
    for i, t in enumerate(kept):
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    kept = _common_dtype(kept)
    return Cat.apply(d, *kept)


concat = concatenate = cat


def _common_dtype(tensors):
    from .. import dtypes
    rt = dtypes.result_type(*[t._data for t in tensors])
    return [t if t._data.dtype == rt else t.to(dtypes._BY_NP[rt]) for t in tensors]


def stack(tensors, dim=0, *, out=None):
    """Join tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(shape) + 1)
    return Stack.apply(d, *_common_dtype(tensors))


class Stack(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return get_array_module(*xs).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None,) + unbind(g, ctx.dim)


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


def atleast_1d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def atleast_2d(t):
    nd = t._data.ndim
    return reshape(t, (1,) * (2 - nd) + t._data.shape) if nd < 2 else t


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of a size, or of the given sizes, along ``dim``."""
    shape = tensor._data.shape
    if not shape:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, len(shape))
    n = shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [step] * (n // step) + ([n % step] if n % step else []) if step else [0]
        sizes = sizes or [0]  # an empty dim still splits into one empty piece
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    if len(sizes) == 1:
        return (Reshape.apply(tensor, shape),)
    cls = _SplitOp if isinstance(split_size_or_sections, int) else _SplitWithSizes
    return cls.apply(tensor, tuple(sizes), d)


class _SplitOp(Function):
    _array_forward = True
    _builtin = True
    _node_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        ctx.shapes = [x.shape[:dim] + (s,) + x.shape[dim + 1:] for s in sizes]
        ctx.dtype = x.dtype
        xp = get_array_module(x)
        ctx.xp = xp
        idx = np.cumsum(sizes)[:-1].tolist()
        return tuple(xp.split(x, idx, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        parts = [g if g is not None else _make(ctx.xp.zeros(s, ctx.dtype))
                 for g, s in zip(grads, ctx.shapes)]
        return cat(parts, ctx.dim), None, None


class _SplitWithSizes(_SplitOp):
    _node_name = "SplitWithSizesBackward0"


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` nearly equal pieces along ``dim``."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if n == 0:  # PyTorch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, int(-(-n // chunks)), dim)


def unbind(input, dim=0):
    """The slices along ``dim``, as a tuple, each without that dim."""
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    return tuple(squeeze(p, d) for p in split(input, 1, d)) if n else ()


def narrow(input, dim, start, length):
    """``length`` elements along ``dim`` from ``start`` (a view)."""
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    idx = [slice(None)] * input._data.ndim
    idx[d] = slice(start, start + length)
    return input[tuple(idx)]


class Flip(Function):
    _array_forward = True
    _builtin = True
    _view_op = False

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        xp = get_array_module(x)
        return xp.flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims), None


def flip(input, *dims):
    """Reverse the order along ``dims`` (a copy, as in PyTorch): ``flip(0, 1)`` or
    ``flip((0, 1))``."""
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    nd = input._data.ndim
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    # A 0-d tensor takes dim 0 (PyTorch's rule) but has no axis to reverse.
    return Flip.apply(input, dims if nd else ())


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def repeat(input, *sizes):
    """Tile the tensor ``sizes`` times along each dim (PyTorch's ``repeat``)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    lead = len(sizes) - len(shape)
    x = reshape(input, (1,) * lead + shape)
    full = x._data.shape
    # Broadcast to (r0, s0, r1, s1, ...) then merge pairs: a differentiable tile.
    inter = []
    for r, s in zip(sizes, full):
        inter += [1, s]
    x = reshape(x, tuple(inter))
    target = []
    for r, s in zip(sizes, full):
        target += [r, s]
    x = broadcast_to(x, tuple(target))
    return reshape(x, tuple(r * s for r, s in zip(sizes, full)))


def tile(input, *dims):
    """Repeat along each dim: ``tile((2, 2))`` or ``tile(2, 2)``; fewer ``dims`` than the
    tensor has are padded with 1s in front (``tile(2)`` repeats the last dim)."""
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats, dim=None):
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    d = _wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, int):
        shape = input._data.shape
        x = unsqueeze(input, d + 1)
        x = broadcast_to(x, shape[:d + 1] + (repeats,) + shape[d + 1:])
        return reshape(x, shape[:d] + (shape[d] * repeats,) + shape[d + 1:])
    rep = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    idx = np.repeat(np.arange(input._data.shape[d]), np.asarray(rep).tolist())
    from .indexing import index_select
    from .creation import tensor as _tensor
    return index_select(input, d, _tensor(idx))


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    from .copy import clone
    return clone(input)


register_methods(
    reshape=reshape, view=view, flatten=flatten, unflatten=unflatten, ravel=ravel,
    permute=permute, transpose=transpose, swapaxes=transpose, swapdims=transpose, t=t,
    T=property(_T), mT=property(_mT), mH=property(_mT), H=property(_T), movedim=movedim,
    moveaxis=movedim, squeeze=squeeze, unsqueeze=unsqueeze, expand=expand, expand_as=expand_as,
    broadcast_to=broadcast_to, split=split, chunk=chunk, unbind=unbind, flip=flip,
    fliplr=fliplr, flipud=flipud, repeat=repeat, tile=tile, repeat_interleave=repeat_interleave,
    narrow=narrow, contiguous=contiguous,
    view_as=lambda self, other: view(self, other._data.shape),
    reshape_as=lambda self, other: reshape(self, other._data.shape),
)
