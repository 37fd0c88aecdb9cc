"""Ready-made parametrizations, as ``torch.nn.utils.parametrizations``: ``orthogonal``,
``weight_norm`` and ``spectral_norm`` on top of :mod:`gpugrad.nn.utils.parametrize`.

Example::

    >>> m = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(20, 40))
    >>> m.parametrizations.weight.original0.shape      # the magnitude g
    gpugrad.Size([40, 1])
"""
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..module import Module
from . import parametrize
from ._orthogonal import _Orthogonal, _OrthMaps
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]


def _normalize(x, eps):
    # F.normalize(x, dim=0, eps=eps) on a vector.
    return x / x.norm(2, 0, keepdim=True).clamp_min(eps)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain the matrix (or batch of matrices) ``module.<name>`` to be orthogonal (its
    columns or rows orthonormal, whichever are fewer).

    ``orthogonal_map`` is ``"matrix_exp"`` (default for square matrices), ``"cayley"`` or
    ``"householder"`` (default otherwise). With ``use_trivialization`` (the default) the
    map is applied around a buffer ``base``, set when the weight is registered or
    assigned; real tensors only. Assigning to the weight with
    ``use_trivialization=False`` is not supported.

    Example::

        >>> m = gg.nn.utils.parametrizations.orthogonal(gg.nn.Linear(20, 40))
        >>> Q = m.weight
        >>> gg.dist(Q.T @ Q, gg.eye(20)) < 1e-5
        tensor(True)
    """
    from ...tensor import Tensor as _Tensor
    weight = getattr(module, name, None)
    if not isinstance(weight, _Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1]
                          else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        weight_g = norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dimension but
    ``dim``; ``dim=None`` for the whole tensor), with ``g`` and ``v`` stored as
    ``parametrizations.<name>.original0`` and ``original1``.

    State dicts of the older :func:`gpugrad.nn.utils.weight_norm` (``<name>_g``/``_v``)
    are not renamed on load, as PyTorch's load hook does; rename the keys yourself.

    Example::

        >>> m = gg.nn.utils.parametrizations.weight_norm(gg.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original1.shape       # the direction v
        gpugrad.Size([40, 20])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            # A vector is simply normalized; a matrix keeps power-iteration vectors, first
            # refined by 15 steps so that sigma is accurate from the start.
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", _normalize(u.detach(), self.eps))
            self.register_buffer("_v", _normalize(v.detach(), self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim())
                                                if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        with no_grad():
            for _ in range(n_power_iterations):
                # In place, as PyTorch's out=: the buffers keep their identity.
                self._u.copy_(_normalize(weight_mat.mv(self._v), self.eps))
                self._v.copy_(_normalize(weight_mat.t().mv(self._u), self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize ``module.<name>`` as itself divided by its spectral norm, estimated by
    power iteration (refined on every access in training mode; the vectors live in the
    buffers ``parametrizations.<name>.0._u`` and ``._v``). ``dim`` defaults to 1 for
    transposed convolutions, else 0.

    Example::

        >>> m = gg.nn.utils.parametrizations.spectral_norm(gg.nn.Linear(20, 40))
        >>> gg.linalg.matrix_norm(m.weight, 2)       # about 1
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        from ..modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d,
                                       ConvTranspose3d)) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
