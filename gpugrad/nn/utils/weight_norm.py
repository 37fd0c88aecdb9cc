"""Weight normalization through a forward pre-hook (the older, deprecated API), as
``torch.nn.utils.weight_norm``: ``weight = weight_g * weight_v / ||weight_v||``.

Example::

    >>> m = gg.nn.utils.weight_norm(gg.nn.Linear(20, 40))     # FutureWarning: deprecated
    >>> m.weight_g.shape, m.weight_v.shape
    (gpugrad.Size([40, 1]), gpugrad.Size([40, 20]))
    >>> gg.nn.utils.remove_weight_norm(m)
"""
import warnings

from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]

_DEPRECATED = ("`gpugrad.nn.utils.weight_norm` is deprecated in favor of "
               "`gpugrad.nn.utils.parametrizations.weight_norm`.")


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, shaped to broadcast
    against ``v`` (``dim=-1``: the norm of all of ``v``, a 0-d tensor), as
    ``torch.norm_except_dim``. Differentiable (built from tensor ops).

    Example::

        >>> norm_except_dim(gg.ones(3, 4), 2, 0).shape
        gpugrad.Size([3, 1])
    """
    if dim == -1:
        return v.norm(pow)
    if dim == 0:
        out_shape = (v.shape[0],) + (1,) * (v.dim() - 1)
        return v.reshape(v.shape[0], -1).norm(pow, dim=1).reshape(out_shape)
    if dim == v.dim() - 1:
        out_shape = (1,) * (v.dim() - 1) + (v.shape[-1],)
        return v.reshape(-1, v.shape[-1]).norm(pow, dim=0).reshape(out_shape)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def _weight_norm(v, g, dim=0):
    # torch._weight_norm: the same arithmetic, as differentiable tensor ops.
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v`` before every forward."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn(_DEPRECATED, FutureWarning, stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError("Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        del module._parameters[name]
        # The magnitude is registered first, then the direction, as in PyTorch.
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Replace parameter ``name`` of ``module`` by a magnitude ``<name>_g`` and a direction
    ``<name>_v``, recombined before every forward (``dim=None``: one norm for the whole
    tensor). Deprecated, as in PyTorch, in favour of
    :func:`gpugrad.nn.utils.parametrizations.weight_norm`; warns ``FutureWarning``.

    Example::

        >>> m = gg.nn.utils.weight_norm(gg.nn.Linear(20, 40), name="weight")
        >>> m.weight_g.shape
        gpugrad.Size([40, 1])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo :func:`weight_norm`: ``name`` becomes a plain Parameter again, holding the
    current normalized weight.

    Example::

        >>> m = gg.nn.utils.remove_weight_norm(gg.nn.utils.weight_norm(gg.nn.Linear(2, 3)))
        >>> [n for n, _ in m.named_parameters()]
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
