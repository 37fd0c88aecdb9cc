"""PyTorch's legacy tensor types (``gg.FloatTensor``, ``gg.LongTensor``, ...).

Each is a constructor of cpu tensors of one dtype and a type to test with ``isinstance``, as
``torch.FloatTensor`` is: ``isinstance(t, gg.FloatTensor)`` holds exactly for cpu float32
tensors. ``gg.cuda.FloatTensor`` and the rest do the same for cuda tensors. They are not
subclasses of :class:`gpugrad.Tensor`; every tensor is a plain Tensor.

Example::

    >>> gg.LongTensor([1, 2])
    tensor([1, 2])
    >>> isinstance(gg.zeros(2), gg.FloatTensor), isinstance(gg.zeros(2), gg.DoubleTensor)
    (True, False)
"""
from . import dtypes as _dt
from .tensor import Tensor, _legacy_data, _make

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


class _LegacyTensorType(type):
    """The metaclass that makes ``FloatTensor(...)`` build a tensor and answer isinstance."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.is_cuda == cls.is_cuda and obj.dtype is cls.dtype

    def __call__(cls, *args, device=None):
        from .backend import device as parse_device
        want = "cuda" if cls.is_cuda else "cpu"
        if device is not None and parse_device(device).type != want:
            raise RuntimeError(f"legacy constructor expects device type: {want} but device "
                               f"type: {parse_device(device).type} was passed")
        npd = cls.dtype.np_dtype
        if len(args) == 1 and isinstance(args[0], Tensor):
            # A tensor is taken as is, never converted: PyTorch refuses another dtype.
            src = args[0]
            if src.device.type != want or src._data.dtype != npd:
                raise TypeError(f"expected {_options(npd, want)} (got "
                                f"{_options(src._data.dtype, src.device)})")
            return _make(src._data)
        out = _make(_legacy_data(args, npd))
        return out.to(device if device is not None else "cuda") if cls.is_cuda else out

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _options(npd, device):
    return (f"TensorOptions(dtype={_dt.cpp_name(npd)}, device={device}, layout=Strided, "
            f"requires_grad=false (default), pinned_memory=false (default), "
            f"memory_format=(nullopt))")


def _legacy_type(name, dtype, cuda=False):
    where, module = ("cuda", "gpugrad.cuda") if cuda else ("cpu", "gpugrad")
    doc = (f"Legacy constructor of {where} {dtype.name} tensors, as ``torch.{name}``: "
           f"``{name}(data)`` makes a {dtype.name} tensor of a sequence or array, ``{name}(2, 3)`` "
           f"is uninitialised of that shape; ``isinstance(t, {module}.{name})`` is True for "
           f"{where} {dtype.name} tensors.")
    return _LegacyTensorType(name, (), {"dtype": dtype, "is_cuda": cuda, "__doc__": doc,
                                        "__module__": module, "__slots__": ()})


FloatTensor = _legacy_type("FloatTensor", _dt.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dt.float64)
HalfTensor = _legacy_type("HalfTensor", _dt.float16)
LongTensor = _legacy_type("LongTensor", _dt.int64)
IntTensor = _legacy_type("IntTensor", _dt.int32)
ShortTensor = _legacy_type("ShortTensor", _dt.int16)
CharTensor = _legacy_type("CharTensor", _dt.int8)
ByteTensor = _legacy_type("ByteTensor", _dt.uint8)
BoolTensor = _legacy_type("BoolTensor", _dt.bool)

_BY_NAME = {cls.__name__: cls for cls in (FloatTensor, DoubleTensor, HalfTensor, LongTensor,
                                          IntTensor, ShortTensor, CharTensor, ByteTensor,
                                          BoolTensor)}
_BY_DTYPE = {cls.dtype: cls for cls in _BY_NAME.values()}

# ``gg.cuda.FloatTensor`` and the rest, as ``torch.cuda.FloatTensor``: they live on the
# backend's cuda module, which ``gg.cuda`` is.
_CUDA_BY_NAME = {name: _legacy_type(name, cls.dtype, cuda=True) for name, cls in _BY_NAME.items()}


def _attach_cuda_types():
    from .backend import cuda
    for name, cls in _CUDA_BY_NAME.items():
        setattr(cuda, name, cls)


_attach_cuda_types()


def type_name(dtype, cuda):
    """The legacy type name of a dtype, ``'gpugrad.FloatTensor'`` or
    ``'gpugrad.cuda.FloatTensor'``, as ``Tensor.type()`` reports it."""
    return ("gpugrad.cuda." if cuda else "gpugrad.") + _BY_DTYPE[dtype].__name__


def resolve(spec):
    """(dtype, device or None) that ``Tensor.type(spec)`` casts to, for a legacy type or its
    name (``'gpugrad.DoubleTensor'``, ``'gpugrad.cuda.DoubleTensor'``); None if ``spec`` is
    neither, ValueError for a string that names no type."""
    if isinstance(spec, _LegacyTensorType):
        return spec.dtype, "cuda" if spec.is_cuda else "cpu"
    if not isinstance(spec, str):
        return None
    for prefix, device in (("gpugrad.cuda.", "cuda"), ("gpugrad.", "cpu")):
        if spec.startswith(prefix) and spec[len(prefix):] in _BY_NAME:
            return _BY_NAME[spec[len(prefix):]].dtype, device
    raise ValueError(f"invalid type: {spec!r}")
