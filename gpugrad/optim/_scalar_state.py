"""0-d state tensors other than 'step' (NAdam's mu_product, ASGD's eta and mu).

PyTorch keeps them in its scalar dtype (float32, or float64 when that is the default) and
reads them back with ``.item()``, so their rounding enters the updates; these helpers keep
the same dtype and read the same numbers.
"""
from ..backend import get_array_module
from ..tensor import _make
from .optimizer import _new_step_tensor

__all__ = ["new_scalar", "scalar_value", "set_scalar"]


def new_scalar(value, like=None):
    """A 0-d tensor holding ``value`` in the scalar dtype, as PyTorch makes it: on the cpu,
    or on the device of the tensor ``like`` (ASGD keeps eta and mu beside the parameter)."""
    out = _new_step_tensor(value)
    if like is not None and type(like._data) is not type(out._data):
        out = _make(get_array_module(like._data).asarray(out._data))
    return out


def scalar_value(tensor):
    """The Python float a 0-d state tensor holds (cpu or cuda)."""
    return float(tensor._data)


def set_scalar(tensor, value):
    """Store ``value`` into a 0-d state tensor in place. PyTorch makes the new value a
    tensor of the scalar dtype before copying it in, so it is rounded to that dtype first
    even when the state was loaded as float64."""
    # A Python float (exact for the rounded value), which CuPy arrays accept too.
    tensor._data[...] = float(_new_step_tensor(value)._data)
