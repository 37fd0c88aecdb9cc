"""Copies, conversions and the in-place machinery.

In-place ops (``add_``, ``mul_``, ``copy_``, ``x[i] = v`` ...) write into the tensor's own
storage, so views see the change, and bump its version counter, so a saved tensor that was
overwritten is caught at backward. While grad mode records, the op is recorded as its
out-of-place twin whose result is written back; on a view, the base's history is rewritten
as well (PyTorch's CopySlices), so gradients through the base stay right.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function, _DiscardCtx
from ..autograd.grad_mode import _tls, no_grad
from ..backend import device as _parse_device, get_array_module
from ..backend import cuda as _cuda
from ..tensor import Tensor, _make
from ._util import register_methods, as_operand
from .arithmetic import Add, Div, Mul, Sub

__all__ = ["clone"]

_LEAF_INPLACE = ("a leaf Variable that requires grad is being used in an in-place "
                 "operation.")
_INFERENCE_INPLACE = ("Inplace update to inference tensor outside InferenceMode is not "
                      "allowed.You can make a clone to get a normal tensor before doing "
                      "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                      "details.")


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
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(x)


def _parse_to_args(self, args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _dt.dtype) or a in (float, int, bool) or isinstance(a, np.dtype):
            dtype = a
        elif isinstance(a, (str, int)) or hasattr(a, "type"):
            device = a
        elif isinstance(a, bool):
            pass
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    return dtype, device, copy


def to(self, *args, **kwargs):
    """Return a tensor with the given dtype and/or device (self if nothing changes).

    Example::

        >>> gg.tensor([1, 2]).to(gg.float32)
        tensor([1., 2.])
    """
    dtype, device, copy = _parse_to_args(self, args, dict(kwargs))
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


def type_(self, dtype=None, non_blocking=False):
    if dtype is None:
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "bool": "Bool", "int16": "Short", "int8": "Char",
                 "uint8": "Byte"}
        prefix = "torch.cuda." if self.is_cuda else "torch."
        return prefix + names[self.dtype.name] + "Tensor"
    return to(self, dtype)


# ------------------------------------------------------------------ in-place machinery
def _check_inplace(self):
    if _tls.grad_enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError(_LEAF_INPLACE)
    if self._inference and not _tls.inference:
        raise RuntimeError(_INFERENCE_INPLACE)


def _write(self, values):
    """Store ``values`` (an array or scalar) into self's storage and bump its version."""
    data = self._data
    if hasattr(values, "dtype") and values.dtype != data.dtype:
        if not np.can_cast(values.dtype, data.dtype, casting="same_kind") and \
                not (values.dtype.kind == "b"):
            raise RuntimeError(f"result type {_cast_name(values.dtype)} can't be cast to the "
                               f"desired output type {_cast_name(data.dtype)}")
    if not data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    data[...] = values
    self._version[0] += 1


def _cast_name(npd):
    return {"f": "Float", "i": "Long", "b": "Bool", "u": "Byte"}[npd.kind] \
        if npd.itemsize != 8 or npd.kind != "f" else "Double"


def apply_inplace(self, fn_cls, *args):
    """Run ``fn_cls`` as an in-place update of ``self``; returns self."""
    _check_inplace(self)
    recording = _tls.grad_enabled and (
        self._requires_grad or any(getattr(a, "_requires_grad", False) for a in args))
    if not recording:
        ctx = _DiscardCtx()
        ctx._nargs = 1 + len(args)
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        result = fn_cls.forward(ctx, self._data, *arrays)
        _write(self, result)
        return self
    base = self._base
    if base is not None:
        return _inplace_on_view(self, base, fn_cls, args)
    snapshot = _snapshot(self)
    result = fn_cls.apply(snapshot, *args)
    _protect_saved(result, snapshot)
    _write(self, result._data)
    _adopt_history(self, result)
    return self


def _snapshot(self):
    """self's current value and history as a separate tensor on the same storage."""
    snap = _make(self._data, self._requires_grad)
    snap.grad_fn = self.grad_fn
    snap._output_nr = self._output_nr
    return snap


def _protect_saved(result, snapshot):
    # The update is about to overwrite the snapshot's storage: a node that saved it gets a copy.
    node = result.grad_fn
    saved = getattr(node, "_saved", None) if node is not None else None
    if not saved:
        return
    for st in saved:
        if st is not None and st.tensor is snapshot:
            keep = _make(snapshot._data.copy(), snapshot._requires_grad)
            keep.grad_fn = snapshot.grad_fn
            keep._output_nr = snapshot._output_nr
            st.tensor = keep
            st.version_counter = keep._version
            st.version = 0


def _adopt_history(self, result):
    if result._requires_grad:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True


def _view_fn(t):
    return t._extra.get("view_fn") if t._extra else None


_NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad "
                 "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                 "forbidden. You can clarify your code by moving both the view and the inplace "
                 "either both inside the no_grad block (if you don't want the inplace to be "
                 "tracked) or both outside (if you want the inplace to be tracked).")


def _inplace_on_view(view, base, fn_cls, args):
    view_fn = _view_fn(view)
    if view_fn is None:
        raise RuntimeError(_NO_GRAD_VIEW)
    snapshot = _snapshot(view)
    new_view = fn_cls.apply(snapshot, *args)
    _protect_saved(new_view, snapshot)
    new_base = CopySlices.apply(_snapshot(base), new_view, view_fn)
    _write(base, new_base._data)
    _adopt_history(base, new_base)
    regen = view_fn(base)
    view.grad_fn = regen.grad_fn
    view._output_nr = regen._output_nr
    view._requires_grad = regen._requires_grad
    return view


class CopySlices(Function):
    """``base`` with the region a view function selects replaced by ``src``."""
    _builtin = True

    @staticmethod
    def forward(ctx, base, src, view_fn):
        ctx.view_fn = view_fn
        out = _make(base._data.copy())
        region = view_fn(out)
        region._data[...] = src._data
        return out

    @staticmethod
    def backward(ctx, g):
        view_fn = ctx.view_fn
        need = ctx.needs_input_grad
        g_src = view_fn(g) if need[1] else None
        g_base = None
        if need[0]:
            region = view_fn(g)
            g_base = CopySlices.apply(g, region * 0.0, view_fn)
        return g_base, g_src, None


# ------------------------------------------------------------------ the in-place methods
class _Assign(Function):
    """``self.copy_(src)`` as an op: the result is ``src`` broadcast to self's shape."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, dst, src):
        xp = get_array_module(dst)
        ctx.src_dtype = getattr(src, "dtype", None)
        if hasattr(src, "dtype") and type(src) is not type(dst):
            src = _move_array(src, _dev_of(dst))
        return xp.broadcast_to(xp.asarray(src, dtype=dst.dtype), dst.shape).copy()

    @staticmethod
    def backward(ctx, g):
        gsrc = g if ctx.needs_input_grad[1] else None
        return g * 0.0 if ctx.needs_input_grad[0] else None, gsrc


def _dev_of(a):
    from ..backend import device_of
    return device_of(a)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved across devices) into self; returns self."""
    src = as_operand(src)
    if isinstance(src, Tensor):
        from ..autograd.broadcast import broadcast_shapes
        if broadcast_shapes(self._data.shape, src._data.shape) != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(src._data.shape)}")
    return apply_inplace(self, _Assign, src)


def fill_(self, value):
    """Fill with a scalar (or one-element tensor); returns self."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        return apply_inplace(self, _Assign, value)
    return apply_inplace(self, _Assign, value)


def zero_(self):
    """Fill with zeros; returns self."""
    return apply_inplace(self, _Assign, 0)


def _inplace_binary(cls, ufunc_name):
    def method(self, other, *, alpha=1):
        other = as_operand(other)
        if alpha != 1:
            other = other * alpha
        # Fast path for optimizer-style updates: one ufunc writing into self.
        if not (_tls.grad_enabled and (self._requires_grad or
                                       getattr(other, "_requires_grad", False))):
            _check_inplace(self)
            data = self._data
            od = other._data if isinstance(other, Tensor) else other
            if hasattr(od, "dtype") and type(od) is not type(data):
                from .. import backend
                raise RuntimeError("Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {backend.device_of(od)} and "
                                   f"{backend.device_of(data)}!")
            if ufunc_name == "true_divide" and data.dtype.kind != "f":
                raise RuntimeError("result type Float can't be cast to the desired output type "
                                   f"{_cast_name(data.dtype)}")
            if hasattr(od, "shape") and od.shape != data.shape:
                from ..autograd.broadcast import broadcast_shapes
                if broadcast_shapes(data.shape, od.shape) != data.shape:
                    raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the "
                                       f"broadcast shape {list(broadcast_shapes(data.shape, od.shape))}")
            if isinstance(od, float) and data.dtype.kind != "f":
                raise RuntimeError(f"result type Float can't be cast to the desired output type "
                                   f"{_cast_name(data.dtype)}")
            if hasattr(od, "dtype") and od.dtype.kind == "f" and data.dtype.kind != "f":
                raise RuntimeError(f"result type Float can't be cast to the desired output type "
                                   f"{_cast_name(data.dtype)}")
            if not data.flags.writeable:
                raise RuntimeError("unsupported operation: more than one element of the "
                                   "written-to tensor refers to a single memory location. "
                                   "Please clone() the tensor before performing the operation.")
            getattr(get_array_module(data), ufunc_name)(data, od, out=data, casting="unsafe")
            self._version[0] += 1
            return self
        return apply_inplace(self, cls, other)
    method.__name__ = ufunc_name + "_"
    method.__doc__ = f"In-place ``{ufunc_name}``; returns self."
    return method


add_ = _inplace_binary(Add, "add")
sub_ = _inplace_binary(Sub, "subtract")
mul_ = _inplace_binary(Mul, "multiply")
div_ = _inplace_binary(Div, "true_divide")


def _inplace_unary(name):
    def method(self, *args, **kwargs):
        fn = getattr(Tensor, name)
        _check_inplace(self)
        recording = _tls.grad_enabled and self._requires_grad
        if not recording:
            with no_grad():
                result = fn(self, *args, **kwargs)
            _write(self, result._data)
            return self
        if self._base is not None:
            return _inplace_on_view(self, self._base, _Method(fn, args, kwargs), ())
        snapshot = _snapshot(self)
        result = fn(snapshot, *args, **kwargs)
        _protect_saved(result, snapshot)
        _write(self, result._data)
        _adopt_history(self, result)
        return self
    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``; returns self."
    return method


class _Method:
    """Lets an out-of-place method stand where ``apply_inplace`` expects a Function."""

    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def apply(self, x):
        return self.fn(x, *self.args, **self.kwargs)


def pow_(self, exponent):
    from .arithmetic import Pow
    return apply_inplace(self, Pow, as_operand(exponent))


register_methods(
    clone=clone, to=to, cpu=cpu, cuda=cuda, type=type_, copy_=copy_, fill_=fill_, zero_=zero_,
    add_=add_, sub_=sub_, subtract_=sub_, mul_=mul_, multiply_=mul_, div_=div_, divide_=div_,
    true_divide_=div_, pow_=pow_,
    __iadd__=add_, __isub__=sub_, __imul__=mul_, __itruediv__=div_, __ipow__=pow_,
    float=_caster(_dt.float32), double=_caster(_dt.float64), half=_caster(_dt.float16),
    long=_caster(_dt.int64), int=_caster(_dt.int32), bool=_caster(_dt.bool),
    short=_caster(_dt.int16), char=_caster(_dt.int8), byte=_caster(_dt.uint8),
    **{n + "_": _inplace_unary(n) for n in (
        "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg", "clamp",
        "clamp_min", "clamp_max", "floor", "ceil", "round", "trunc", "sign", "reciprocal",
        "rsqrt", "log1p", "expm1", "square", "masked_fill", "index_fill", "scatter",
        "scatter_add", "index_add", "index_copy", "lerp", "nan_to_num", "erf")}
)
