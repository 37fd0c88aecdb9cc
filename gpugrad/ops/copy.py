"""Copies and conversions: clone, ``to`` (dtype and device), ``float()``/``double()``...

The in-place ops and their machinery are in ``inplace``.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import Device, device as _parse_device
from ..backend import cuda as _cuda
from ..tensor import Tensor
from ._util import register_methods

__all__ = ["clone"]

class Clone(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input, *, memory_format=None):
    """A copy with its own storage; gradients flow back to ``input``."""
    return Clone.apply(input)


class ToDevice(Function):
    """Move data between host and device; the gradient moves back."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, dev):
        from ..backend import device_of
        ctx.src = device_of(x)
        return _move_array(x, dev)

    @staticmethod
    def backward(ctx, g):
        return ToDevice.apply(g, ctx.src), None


def _move_array(x, dev):
    if dev.type == "cpu":
        return x if type(x) is np.ndarray else x.get()
    cp = _cuda._cupy()
    index = dev.index or 0
    with cp.cuda.Device(index):
        if isinstance(x, cp.ndarray):
            # cupy.asarray hands back an array of another GPU as it is; cupy.copy allocates
            # on the current device and copies across.
            return x if x.device.id == index else cp.copy(x)
        return cp.asarray(x)


def parse_to_args(args, kwargs):
    """(dtype, device, copy) from ``to``'s arguments, as ``Tensor.to`` and ``Module.to`` read
    them (a tensor gives both its dtype and device; ``kwargs`` is consumed)."""
    given = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(_to_arguments_error(args, given))
    for a in args:
        if a is None:
            continue            # to(None) changes nothing, as PyTorch's
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _dt.dtype) or a in (float, int, bool) or isinstance(a, np.dtype):
            dtype = a
        elif isinstance(a, (str, int)) or hasattr(a, "type"):
            device = a
        elif isinstance(a, bool):
            pass
        else:
            raise TypeError(_to_arguments_error(args, given))
    return dtype, device, copy


def _arg_type(value):
    """A value's type as PyTorch's argument parser names it."""
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, _dt.dtype):
        return "gpugrad.dtype"
    if isinstance(value, Device):
        return "gpugrad.device"
    return type(value).__name__


def _to_arguments_error(args, kwargs):
    """PyTorch's argument-parser message for a call of ``to`` it cannot match."""
    # As PyTorch writes it: keywords last to first, and a trailing ", " after keywords alone.
    named = [f"{k}={_arg_type(v)}" for k, v in reversed(kwargs.items())]
    if args:
        got = ", ".join([_arg_type(a) for a in args] + named)
    else:
        got = "".join(n + ", " for n in named)
    tail = "bool non_blocking = False, bool copy = False, *, " \
           "gpugrad.memory_format memory_format = None)"
    return (f"to() received an invalid combination of arguments - got ({got}), but expected "
            f"one of:\n * (gpugrad.device device = None, gpugrad.dtype dtype = None, {tail}\n"
            f" * (gpugrad.dtype dtype, {tail}\n * (Tensor tensor, {tail}\n")


def to(self, *args, **kwargs):
    """Return a tensor with the given dtype and/or device (self if nothing changes).

    Example::

        >>> gg.tensor([1, 2]).to(gg.float32)
        tensor([1., 2.])
    """
    dtype, device, copy = parse_to_args(args, dict(kwargs))
    out = self
    if device is not None:
        dev = _parse_device(device)
        if dev != self.device:
            out = ToDevice.apply(out, dev)
    if dtype is not None:
        npd = _dt.to_numpy_dtype(dtype)
        if npd != out._data.dtype:
            from ..autograd.broadcast import Cast
            out = Cast.apply(out, npd)
    if copy and out is self:
        out = Clone.apply(self)
    return out


def cpu(self):
    return to(self, "cpu")


def cuda(self, device=None, non_blocking=False):
    return to(self, "cuda" if device is None else
              (f"cuda:{device}" if isinstance(device, int) else device))


def _caster(dtype):
    def conv(self, memory_format=None):
        return to(self, dtype)
    return conv


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """With no argument, the legacy type name (``'gpugrad.FloatTensor'``); with a dtype, a
    legacy type (``gg.DoubleTensor``) or its name, this tensor cast to it (self if it is
    already of that type), as ``torch.Tensor.type``.

    Example::

        >>> gg.tensor([1, 2]).type(gg.DoubleTensor)
        tensor([1., 2.], dtype=gpugrad.float64)
    """
    from .. import _legacy_types
    if dtype is None:
        return _legacy_types.type_name(self.dtype, self.is_cuda)
    target = _legacy_types.resolve(dtype)
    if target is None:
        if not isinstance(dtype, (_dt.dtype, type, np.dtype)):
            raise TypeError("dtype must be a type, str, or dtype object")
        return to(self, dtype)
    # A cpu type name moves a cuda tensor to the cpu, a cuda one moves it to cuda.
    return to(self, target[1], target[0])


def type_as(self, other):
    """This tensor cast to ``other``'s dtype (as ``self.type(other.type())``)."""
    return to(self, other.dtype)


def _dev_of(a):
    from ..backend import device_of
    return device_of(a)


register_methods(
    clone=clone, to=to, cpu=cpu, cuda=cuda, type=type_, type_as=type_as,
    float=_caster(_dt.float32), double=_caster(_dt.float64), half=_caster(_dt.float16),
    long=_caster(_dt.int64), int=_caster(_dt.int32), bool=_caster(_dt.bool),
    short=_caster(_dt.int16), char=_caster(_dt.int8), byte=_caster(_dt.uint8),
)

# The in-place machinery moved to ``inplace``; these names stay importable from here.
from .inplace import (_Method, _adopt_history, _check_inplace, _inplace_on_view,  # noqa: E402,F401
                      _protect_saved, _snapshot, _write, apply_inplace, inplace_update)
