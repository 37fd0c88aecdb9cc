"""The three ops the engine itself needs: undo broadcasting, broadcast, and cast.

They live here (not in ``ops``) because the engine reduces every gradient back to its
input's shape and dtype in one place, and ``autograd`` must not import ``ops``.
"""
import numpy as np

from .function import Function


def sum_to_shape_array(a, shape):
    """Sum array ``a`` down to ``shape`` (the inverse of broadcasting)."""
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and a.shape[i + lead] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a
    if lead:
        out = out.reshape(shape)
    return out


class SumToShape(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return sum_to_shape_array(a, tuple(shape))

    @staticmethod
    def backward(ctx, g):
        return BroadcastTo.apply(g, ctx.shape), None


class BroadcastTo(Function):
    _array_forward = True
    _builtin = True
    _view_op = True
    _node_name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        if type(a) is np.ndarray:
            return broadcast_view(a, tuple(shape))
        return _xp(a).broadcast_to(a, tuple(shape))

    @staticmethod
    def backward(ctx, g):
        return SumToShape.apply(g, ctx.shape), None


class Cast(Function):
    """``tensor.to(dtype)``; its gradient is cast back."""
    _array_forward = True
    _builtin = True
    _node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return Cast.apply(g, ctx.dtype), None


def _xp(a):
    return _get_array_module(a)


def broadcast_view(a, shape):
    """``np.broadcast_to(a, shape)`` for a NumPy array: the same read-only view (stride 0 on
    the broadcast dims), made directly instead of through broadcast_to's Python-level
    machinery (a fifth of the time on small arrays). Only for an array that owns its memory:
    the view's base chain then leads to it, as the memory counters need (a view's buffer
    would be wrapped anew). Anything else goes to broadcast_to, which also raises its errors.
    """
    lead = len(shape) - a.ndim
    if lead >= 0 and a.base is None:
        strides = [0] * lead
        for n, s, st in zip(a.shape, shape[lead:], a.strides):
            if n == s:
                strides.append(st)
            elif n == 1:
                strides.append(0)
            else:
                break
        else:
            try:
                view = np.ndarray(shape, a.dtype, a, 0, tuple(strides))
            except (TypeError, ValueError, BufferError):
                pass
            else:
                view.flags.writeable = False
                return view
    return np.broadcast_to(a, shape)


from ..backend import get_array_module as _get_array_module  # noqa: E402  (backend: no cycle)


def broadcast_shapes(*shapes):
    """The broadcast of several shapes, or RuntimeError naming the sizes that clash."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        # From the last dim, as PyTorch, so the first clash it names is the same one.
        for i in range(len(s) - 1, -1, -1):
            d = s[i]
            j = ndim - len(s) + i
            if d != 1:
                if out[j] != 1 and out[j] != d:
                    raise RuntimeError(
                        f"The size of tensor a ({out[j]}) must match the size of tensor b ({d}) "
                        f"at non-singleton dimension {j}")
                out[j] = d
    return tuple(out)
