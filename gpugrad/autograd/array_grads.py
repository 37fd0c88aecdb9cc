"""The engine's checks of gradients that an op's ``_backward_arrays`` returned as arrays.

First-order backward runs an op's array form of its backward when it has one (see
``function._fast_backward_of``); its results get here the treatment ``engine._validate``
gives tensors: the count checked, each reduced to its input's shape and cast to its dtype by
the array calls of SumToShape and Cast, then wrapped as tensors.
"""
from .broadcast import sum_to_shape_array

__all__ = ["validate_arrays", "reducible"]


def validate_arrays(node, res, make):
    """Tensors (``make``: tensor._make) of the arrays ``res``, one per edge of ``node``."""
    nexts = node._next
    n = len(nexts)
    if len(res) != n:
        if len(res) > n and all(a is None for a in res[n:]):
            res = res[:n]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(res)})")
    out = []
    for i in range(n):
        a = res[i]
        edge = nexts[i]
        if a is None or edge is None:
            out.append(None)
            continue
        shape = edge[2]
        if a.shape != shape:
            if not reducible(a.shape, shape):
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at "
                                   f"index {i} - got {list(a.shape)} but expected shape "
                                   f"compatible with {list(shape)}")
            a = sum_to_shape_array(a, shape)
        if a.dtype != edge[3]:
            a = a.astype(edge[3])
        out.append(make(a))
    return tuple(out)


def reducible(src, dst):
    """True if a gradient of shape ``src`` sums down to ``dst`` (undoing broadcasting)."""
    if len(src) < len(dst):
        return False
    for s, d in zip(src[len(src) - len(dst):], dst):
        if d != s and d != 1:
            return False
    return True
