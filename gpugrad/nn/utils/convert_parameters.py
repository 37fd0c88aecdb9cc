"""Parameters to one flat vector and back, as ``torch.nn.utils.convert_parameters``.

Example::

    >>> vec = gg.nn.utils.parameters_to_vector(model.parameters())
    >>> gg.nn.utils.vector_to_parameters(vec * 0.5, model.parameters())
"""
from ...ops.shape import cat
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one vector (differentiable).

    Example::

        >>> gg.nn.utils.parameters_to_vector([gg.ones(2, 2), gg.zeros(1)])
        tensor([1., 1., 1., 1., 0.])
    """
    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.reshape(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Point each parameter's data at its slice of ``vec`` (as PyTorch, the parameters then
    share memory with ``vec``; their identity and autograd state are unchanged)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n


def _check_param_device(param, device):
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device
