"""``Parameter``: a tensor that a Module registers as learnable when assigned to it.

Example::

    >>> p = gg.nn.Parameter(gg.zeros(2))
    >>> p.requires_grad, isinstance(p, gg.Tensor)
    (True, True)
"""
from ..tensor import Tensor, _make

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and registers itself on Modules.

    ``Parameter(data)`` shares ``data``'s storage (and version counter), as PyTorch's does.
    Ops on a Parameter return plain Tensors.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            data = Tensor(data)
        src = _make(data._data)
        t = object.__new__(cls)
        for slot in ("_data", "_grad", "grad_fn", "_output_nr", "_base", "_extra"):
            setattr(t, slot, getattr(src, slot))
        t._version = data._version
        t._inference = data._inference
        t._requires_grad = False
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, proto), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(_make(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy())
        memo[id(self)] = new
        return new


def _rebuild_parameter(reduced, requires_grad):
    fn, args = reduced
    return Parameter(fn(*args), requires_grad)


# The lazy modules' placeholders live beside Parameter, as torch.nn.parameter has them.
from ._uninitialized import UninitializedBuffer, UninitializedParameter  # noqa: E402

__all__ += ["UninitializedParameter", "UninitializedBuffer"]
