"""UninitializedParameter and UninitializedBuffer: placeholders whose shape is not known yet,
held by the lazy modules until their first forward, as PyTorch's.

``materialize(shape)`` gives one storage of that shape (uninitialized values, as ``empty``)
and turns the object, in place, into a plain Parameter (or Tensor), so every reference to it
(a module's, an optimizer's) sees the real thing.

Example::

    >>> p = gg.nn.UninitializedParameter()
    >>> p.materialize((2, 3))
    >>> type(p).__name__, p.shape
    ('Parameter', gpugrad.Size([2, 3]))
"""
from ..tensor import Tensor, _make
from .parameter import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "is_lazy"]

_SHAPE_ERROR = ("Can't access the shape of an uninitialized parameter or buffer. This error "
                "usually happens in `load_state_dict` when trying to load an uninitialized "
                "parameter into an initialized one. Call `forward` to initialize the "
                "parameters before accessing their attributes.")


def is_lazy(obj):
    """Whether ``obj`` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(obj, _UninitializedTensorMixin)


def _placeholder(device, dtype):
    from ..ops.creation import empty
    return empty(0, device=device, dtype=dtype)


class _UninitializedTensorMixin:
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give this placeholder storage of ``shape`` (on ``device``, of ``dtype``, by
        default its own) and turn it into a ``cls_to_become``."""
        from ..ops.creation import empty
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self._data = empty(shape, device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_SHAPE_ERROR)

    def size(self, dim=None):
        raise RuntimeError(_SHAPE_ERROR)

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad, self.device, self.dtype))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = new
        return new


class UninitializedParameter(_UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is settled later, by ``materialize``.

    Example::

        >>> gg.nn.LazyLinear(3).weight
        <UninitializedParameter>
    """
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = Parameter.__new__(cls, _placeholder(device, dtype), requires_grad)
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def to(self, *args, **kwargs):
        # Conversions keep the placeholder (module.to(gg.float64) before the first forward).
        moved = Tensor.to(_make(self._data), *args, **kwargs)
        self._data = moved._data
        return self


class UninitializedBuffer(_UninitializedTensorMixin, Tensor):
    """A buffer whose shape is settled later, by ``materialize``.

    Example::

        >>> gg.nn.LazyBatchNorm1d().running_mean
        <UninitializedBuffer>
    """
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        t = object.__new__(cls)
        src = _make(_placeholder(device, dtype)._data)
        for slot in ("_data", "_grad", "grad_fn", "_output_nr", "_base", "_extra", "_version",
                     "_inference"):
            setattr(t, slot, getattr(src, slot))
        t._requires_grad = False
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def to(self, *args, **kwargs):
        moved = Tensor.to(_make(self._data), *args, **kwargs)
        return type(self)(self.requires_grad, moved.device, moved.dtype)

    def cuda(self, device=None):
        return type(self)(self.requires_grad, Tensor.cuda(_make(self._data), device).device,
                          self.dtype)

    def cpu(self):
        return type(self)(self.requires_grad, "cpu", self.dtype)


# Their public home, as torch.nn.parameter's (class reprs and pickles name it).
UninitializedParameter.__module__ = UninitializedBuffer.__module__ = "gpugrad.nn.parameter"
