"""Helpers shared by the distributions: broadcasting parameters, logits/probs conversions,
lazily computed parameters and the draws every sampler starts from.

Draws come from gpugrad's generators (``gg.manual_seed`` makes them reproducible); they are
not PyTorch's streams.

Example::

    >>> from gpugrad.distributions.utils import broadcast_all
    >>> [t.shape for t in broadcast_all(gg.zeros(2), 1.0)]
    [gpugrad.Size([2]), gpugrad.Size([2])]
"""
from __future__ import annotations

import gpugrad as gg
import gpugrad.nn.functional as F
from ..tensor import Tensor

_Number = (int, float, bool)
euler_constant = 0.57721566490153286060  # Euler Mascheroni Constant

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "tril_matrix_to_vec", "vec_to_tril_matrix"]


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape; numbers take the first tensor's dtype and
    device (the default dtype when all are numbers).

    Example::

        >>> broadcast_all(gg.zeros(2), 3)[1]
        tensor([3., 3.])
    """
    if not all(isinstance(v, (Tensor,) + _Number) for v in values):
        # PyTorch's text with gpugrad's tensor type (the protocol name is PyTorch's own).
        raise ValueError("Input arguments must all be instances of Number, "
                         "gpugrad.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        options = dict(dtype=gg.get_default_dtype())
        for value in values:
            if isinstance(value, Tensor):
                options = dict(dtype=value.dtype, device=value.device)
                break
        values = [v if isinstance(v, Tensor) else gg.tensor(v, **options) for v in values]
    return gg.broadcast_tensors(*values)


def _broadcast_shapes(*shapes):
    """``gg.broadcast_shapes`` as a Size, as ``torch.broadcast_shapes`` gives."""
    return gg.Size(gg.broadcast_shapes(*shapes))


def _standard_normal(shape, dtype, device):
    return gg.randn(tuple(shape), dtype=dtype, device=device)


def _uniform(shape, dtype, device):
    return gg.rand(tuple(shape), dtype=dtype, device=device)


def _draw(kind, params, dtype, array=False):
    """Draws of NumPy/CuPy's ``kind`` (standard_gamma, poisson, binomial) with array
    parameters, from the default generator of the first parameter's device, in ``dtype``
    (the first parameter's when None); a Tensor, or the raw array with ``array=True``."""
    from ..random import _generator_for
    from ..tensor import _make
    first = params[0]
    rng = _generator_for(first.device)._rng
    arrays = [p.detach()._data.astype("float64") if isinstance(p, Tensor) else p
              for p in params]
    if kind == "binomial":
        n, p = arrays
        out = rng.binomial(n.astype("int64"), p)
    else:
        out = getattr(rng, kind)(*arrays)
    npd = first._data.dtype if dtype is None else gg.dtypes.to_numpy_dtype(dtype)
    out = out.astype(npd).reshape(first.shape)
    return out if array else _make(out)


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dims of ``value``."""
    if dim == 0:
        return value
    required_shape = value.shape[:-dim] + (-1,)
    return value.reshape(required_shape).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: a sigmoid for binary, else a softmax over the last dim.

    Example::

        >>> logits_to_probs(gg.tensor([0.0]), is_binary=True)
        tensor([0.5000])
    """
    if is_binary:
        return gg.sigmoid(logits)
    return F.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities into ``[eps, 1 - eps]`` for their dtype's ``eps``.

    Example::

        >>> clamp_probs(gg.tensor([0.0, 0.5, 1.0]))
        tensor([1.1921e-07, 5.0000e-01, 1.0000e+00])
    """
    eps = gg.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities (log-odds for binary, else log-probabilities).

    Example::

        >>> probs_to_logits(gg.tensor([0.5]), is_binary=True)
        tensor([0.])
    """
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return gg.log(ps_clamped) - gg.log1p(-ps_clamped)
    return gg.log(ps_clamped)


class lazy_property:
    """A parameter computed on first access (``probs`` from ``logits``...) and then stored
    on the instance; computed with grad enabled so that it stays differentiable."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with gg.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """Looks like a property to documentation tools and like a lazy_property to
    ``Distribution``'s argument validation."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        lazy_property.__init__(self, wrapped)


def _tril_mask(n, diag, device):
    arange = gg.arange(n, device=device)
    return arange < arange.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular entries of (a batch of) square matrices, in row order.

    Example::

        >>> tril_matrix_to_vec(gg.tensor([[1.0, 0.0], [2.0, 3.0]]))
        tensor([1., 2., 3.])
    """
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """Inverse of ``tril_matrix_to_vec``: a lower-triangular matrix from its entries.

    Example::

        >>> vec_to_tril_matrix(gg.tensor([1.0, 2.0, 3.0]))
        tensor([[1., 0.],
                [2., 3.]])
    """
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1]
                            + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = gg.finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be "
                         "expressed as the lower triangular part of a square D x D matrix.")
    n = round(n)
    mask = _tril_mask(n, diag, vec.device)
    idx = mask.reshape(-1).nonzero().reshape(-1)
    flat = vec.new_zeros(vec.shape[:-1] + (n * n,))
    flat = flat.index_put((Ellipsis, idx), vec)
    return flat.reshape(vec.shape[:-1] + (n, n))
