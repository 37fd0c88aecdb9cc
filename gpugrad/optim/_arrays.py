"""Array helpers shared by the optimizers written with array ops (no fused kernel yet).

They run on NumPy or CuPy arrays alike and write into buffers the optimizer owns, keeping
temporaries to one or two per update.
"""
from ..backend import get_array_module

__all__ = ["xp_of", "effective_grad", "lerp_"]


def xp_of(array):
    return get_array_module(array)


def effective_grad(xp, grad, param, weight_decay, maximize):
    """The gradient an update uses: negated for maximize, plus ``weight_decay * param``.

    Returns ``grad`` itself when neither applies (the caller must not write into it).
    """
    g = xp.negative(grad) if maximize else grad
    if weight_decay != 0:
        decayed = xp.multiply(param, weight_decay)
        decayed += g
        g = decayed
    return g


def lerp_(xp, start, end, weight):
    """``start += weight * (end - start)`` in place, with PyTorch's two formulas: for a weight
    of 0.5 or more it computes ``end - (end - start) * (1 - weight)``, which is exact at 1."""
    t = start.dtype.type          # the weight is rounded to the dtype first, as in PyTorch
    w = t(weight)
    diff = xp.subtract(end, start)
    if abs(w) < 0.5:
        diff *= w
        start += diff
    else:
        diff *= t(1) - w
        xp.subtract(end, diff, out=start)
    return start
