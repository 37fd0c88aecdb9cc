"""Gradient clipping, as ``torch.nn.utils.clip_grad``.

Example::

    >>> loss.backward()
    >>> total = gg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> opt.step()
"""
import math
import types
import warnings

import numpy as np

from ...autograd.grad_mode import no_grad
from ...backend import device_of, get_array_module
from ...tensor import Tensor, _make

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(a, p):
    """The p-norm of an array viewed as a vector, as a 0-d array of its dtype."""
    xp = get_array_module(a)
    a = a.reshape(-1)
    if a.size == 0:
        return xp.zeros((), dtype=a.dtype)
    if p == math.inf:
        return xp.abs(a).max()
    if p == -math.inf:
        return xp.abs(a).min()
    if p == 0:
        return xp.asarray(xp.count_nonzero(a), dtype=a.dtype)
    if p == 1:
        return xp.abs(a).sum()
    if p == 2:
        return xp.sqrt(xp.vdot(a, a).real).astype(a.dtype)
    return (xp.abs(a) ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector.

    Returns a 0-d tensor on the first tensor's device (``tensor(0.)`` for no tensors).

    Example::

        >>> gg.nn.utils.get_total_norm([gg.tensor([3.0]), gg.tensor([4.0])])
        tensor(5.)
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(np.array(0.0, dtype=np.float32))
    first = tensors[0]
    with np.errstate(all="ignore"):
        norms = [_vector_norm(t._data, norm_type) for t in tensors]
    if any(type(n) is not type(first._data) for n in norms) or first.device.type == "cuda":
        norms = [_make(n).to(first.device)._data for n in norms]   # gather on one device
    xp = get_array_module(first._data)
    with np.errstate(all="ignore"):
        total = _vector_norm(xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient in place by ``min(max_norm / (total_norm + 1e-6), 1)``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    xp = get_array_module(total)
    # Always multiply, even by 1: a branch on the value would wait for the GPU.
    coef = xp.asarray(xp.minimum(float(max_norm) / (total + 1e-6), 1.0))
    # A non-finite norm scales by NaN or zero, silently, as on the GPU and in PyTorch.
    with no_grad(), np.errstate(all="ignore"):
        for g in grads:
            c = coef if device_of(g._data) == device_of(coef) else _make(coef).to(g.device)._data
            g._data *= c.astype(g._data.dtype)
            g._version[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of ``parameters`` in place so that their total norm is at most
    ``max_norm``; returns the total norm before clipping.

    ``norm_type`` may be ``float('inf')``. With ``error_if_nonfinite`` a NaN or infinite total
    raises (and nothing is scaled). ``foreach`` is accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0, 1.0], requires_grad=True)
        >>> w.grad = gg.tensor([3.0, 4.0])
        >>> gg.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)      # a generator would be used up by the first pass
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]`` in place.

    Example::

        >>> w.grad = gg.tensor([-3.0, 0.5]); gg.nn.utils.clip_grad_value_([w], 1.0); w.grad
        tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            xp = get_array_module(g._data)
            xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._version[0] += 1


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_` (warns ``FutureWarning``), as PyTorch's.

    Example::

        >>> gg.nn.utils.clip_grad_norm(model.parameters(), 1.0)   # use clip_grad_norm_
    """
    warnings.warn("`gpugrad.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`gpugrad.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
