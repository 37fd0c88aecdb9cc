"""In-place ops (``add_``, ``mul_``, ``copy_``, ``exp_`` ...) and the machinery behind them.

They write into the tensor's own storage, so views see the change, and bump its version
counter, so that a saved tensor that was overwritten is caught at backward. While grad mode
records, the op runs as its out-of-place twin on a snapshot of the tensor and the result is
written back; the tensor takes over the result's history. On a view, the base's history is
rewritten too (PyTorch's CopySlices), and other views of the base pick up the new history
when next used (see ``Tensor.grad_fn``).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import _tls, no_grad
from ..backend import get_array_module
from ..tensor import Tensor, _make
from ._util import as_operand, register_methods
from .arithmetic import Add, Div, Mul, Sub, _check_sub

__all__ = []

_LEAF_INPLACE = ("a leaf Variable that requires grad is being used in an in-place "
                 "operation.")
_VIEW_OF_LEAF_INPLACE = ("a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation.")
_NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad "
                 "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                 "forbidden. You can clarify your code by moving both the view and the inplace "
                 "either both inside the no_grad block (if you don't want the inplace to be "
                 "tracked) or both outside (if you want the inplace to be tracked).")
_INFERENCE_INPLACE = ("Inplace update to inference tensor outside InferenceMode is not "
                      "allowed.You can make a clone to get a normal tensor before doing "
                      "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                      "details.")
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the "
            "operation.")


def _view_fn(t):
    return t._extra.get("view_fn") if t._extra else None


def _check_inplace(self, recording=False):
    """PyTorch's errors for an in-place op that autograd cannot allow."""
    if _tls.grad_enabled:
        base = self._base
        if base is not None and (recording or base._requires_grad) and \
                _view_fn(self) is None:
            raise RuntimeError(_NO_GRAD_VIEW)
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(_LEAF_INPLACE)
        if base is not None and base._requires_grad and base._grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_INPLACE)
    if self._inference and not _tls.inference:
        raise RuntimeError(_INFERENCE_INPLACE)


def _can_cast(src, dst):
    """PyTorch's canCast: no float into an integer tensor, no integer into a bool one."""
    if src.kind == "f":
        return dst.kind == "f"
    if src.kind in "iu":
        return dst.kind != "b"
    return True


def _cast_error(src, dst):
    return RuntimeError(f"result type {_dt.torch_name(src)} can't be cast to the desired "
                        f"output type {_dt.torch_name(dst)}")


def _writable(a):
    """False for arrays with elements that share memory (expanded views)."""
    if type(a) is np.ndarray:
        return a.flags.writeable
    # CuPy keeps no writeable flag: look for a zero stride over a dimension longer than 1.
    return not any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape))


def _write(self, values):
    """Store ``values`` (an array or scalar) into self's storage and bump its version."""
    data = self._data
    if hasattr(values, "dtype") and values.dtype != data.dtype and \
            not _can_cast(values.dtype, data.dtype):
        raise _cast_error(values.dtype, data.dtype)
    if not _writable(data):
        raise RuntimeError(_OVERLAP)
    data[...] = values
    self._version[0] += 1


def inplace_update(self, compute, args_require_grad=False):
    """Make ``compute(self)`` an in-place update of ``self``; returns self.

    ``compute`` takes a tensor and returns the new value (out of place, with gpugrad ops).
    Recorded when grad mode is on and self or an argument (``args_require_grad``) requires
    grad; then self takes over the result's history (and, for a view, so does its base).
    """
    recording = _tls.grad_enabled and (self._requires_grad or args_require_grad)
    _check_inplace(self, recording)
    if not recording:
        with no_grad():
            result = compute(_make(self._data))
        _write(self, result._data)
        return self
    base = self._base
    if base is not None:
        return _inplace_on_view(self, base, compute)
    snapshot = _snapshot(self)
    result = compute(snapshot)
    _protect_saved(result, snapshot)
    _write(self, result._data)
    _rebind_saved_output(result, self)
    _adopt_history(self, result)
    return self


def apply_inplace(self, fn_cls, *args):
    """Run Function ``fn_cls`` as an in-place update of ``self``: ``fn_cls(self, *args)``."""
    needs = any(getattr(a, "_requires_grad", False) for a in args)
    return inplace_update(self, lambda x: fn_cls.apply(x, *args), needs)


def _snapshot(self):
    """self's current value and history as a separate tensor on the same storage."""
    snap = _make(self._data, self._requires_grad)
    snap._grad_fn = self.grad_fn
    snap._output_nr = self._output_nr
    return snap


def _protect_saved(result, snapshot):
    # The update is about to overwrite the snapshot's storage: a node that saved it gets a copy.
    node = result._grad_fn
    saved = getattr(node, "_saved", None) if node is not None else None
    if not saved:
        return
    for st in saved:
        if st is not None and getattr(st, "tensor", None) is snapshot:
            keep = _make(snapshot._data.copy(), snapshot._requires_grad)
            keep._grad_fn = snapshot._grad_fn
            keep._output_nr = snapshot._output_nr
            st.tensor = keep
            st.version_counter = keep._version
            st.version = 0


def _rebind_saved_output(result, target):
    # The result now lives in target's storage: a node that saved it as its output keeps that
    # storage and version counter, so a later in-place change of target is caught.
    node = result._grad_fn
    saved = getattr(node, "_saved", None) if node is not None else None
    if not saved:
        return
    for st in saved:
        if st is not None and getattr(st, "is_output", False) and st.data is result._data:
            st.data = target._data
            st.version_counter = target._version
            st.version = target._version[0]


def _adopt_history(self, result):
    if result._requires_grad:
        old, old_nr = self._grad_fn, self._output_nr
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = True
        if self._extra is not None and self._extra.get("retains_grad"):
            # retain_grad follows the tensor to its new node, as PyTorch's does.
            if old is not None:
                old.__dict__.get("_retain_grad_hooks", {}).pop(old_nr, None)
            self._attach_retain_grad()


def _inplace_on_view(view, base, compute, args=None):
    """An in-place update of a view: the view's region of the base gets the new values, the
    base's history becomes CopySlices (its old history with that region replaced)."""
    view_fn = _view_fn(view)
    if view_fn is None:
        raise RuntimeError(_NO_GRAD_VIEW)
    if args is not None:          # the older signature: (view, base, fn_cls, args)
        fn_cls = compute
        compute = lambda x: fn_cls.apply(x, *args)  # noqa: E731
    snapshot = _snapshot(view)
    base_before = _snapshot(base)
    new_view = compute(snapshot)
    _protect_saved(new_view, snapshot)
    _write(view, new_view._data)
    _rebind_saved_output(new_view, view)
    new_base = CopySlices.apply(base_before, new_view, view_fn)
    _adopt_history(base, new_base)
    _adopt_history(view, view_fn(base))
    view._extra["view_version"] = view._version[0]
    return view


class CopySlices(Function):
    """The base of a view after an in-place change of the view: ``base`` with the region
    ``view_fn`` selects replaced by ``src``. The values are already in the base's storage."""
    _builtin = True
    _node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, src, view_fn):
        ctx.view_fn = view_fn
        return _make(base._data)

    @staticmethod
    def backward(ctx, g):
        view_fn = ctx.view_fn
        need = ctx.needs_input_grad
        g_src = view_fn(g) if need[1] else None
        g_base = None
        if need[0]:
            g_base = _ZeroRegion.apply(g, view_fn)
        return g_base, g_src, None


# PyTorch names this node with its C++ namespace.
CopySlices._backward_cls.name = lambda self: "gpugrad::autograd::CopySlices"


class _ZeroRegion(Function):
    """``g`` with the region ``view_fn`` selects set to zero (CopySlices' base gradient)."""
    _builtin = True

    @staticmethod
    def forward(ctx, g, view_fn):
        ctx.view_fn = view_fn
        out = _make(g._data.copy())
        view_fn(out)._data[...] = 0
        return out

    @staticmethod
    def backward(ctx, gg_):
        return _ZeroRegion.apply(gg_, ctx.view_fn), None


class _Method:
    """Lets an out-of-place method stand where a Function is expected (``.apply(x)``)."""

    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def apply(self, x):
        return self.fn(x, *self.args, **self.kwargs)


# ------------------------------------------------------------------ the in-place methods
class _Assign(Function):
    """``self.copy_(src)`` as an op: the result is ``src`` broadcast to self's shape."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, dst, src):
        xp = get_array_module(dst)
        if hasattr(src, "dtype") and type(src) is not type(dst):
            from .copy import _dev_of, _move_array
            src = _move_array(src, _dev_of(dst))
        return xp.broadcast_to(xp.asarray(src, dtype=dst.dtype), dst.shape).copy()

    @staticmethod
    def backward(ctx, g):
        need = ctx.needs_input_grad
        return (g * 0.0 if need[0] else None), (g if need[1] else None)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved across devices) into self; returns self."""
    src = as_operand(src)
    if isinstance(src, Tensor):
        from ..autograd.broadcast import broadcast_shapes
        full = broadcast_shapes(self._data.shape, src._data.shape)
        if full != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(full)}")
    return apply_inplace(self, _Assign, src)


def fill_(self, value):
    """Fill with a scalar (or a 0-d tensor); returns self."""
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    return apply_inplace(self, _Assign, value)


def zero_(self):
    """Fill with zeros; returns self."""
    return apply_inplace(self, _Assign, 0)


def _inplace_binary(cls, ufunc_name):
    def method(self, other, *, alpha=1):
        other = as_operand(other)
        if alpha != 1:
            other = other * alpha
        if _tls.grad_enabled and (self._requires_grad or
                                  getattr(other, "_requires_grad", False)):
            return apply_inplace(self, cls, other)
        # Not recorded (optimizer-style updates): one ufunc writing into self.
        _check_inplace(self)
        data = self._data
        od = other._data if isinstance(other, Tensor) else other
        if hasattr(od, "dtype") and type(od) is not type(data):
            from ..backend import device_of
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {device_of(od)} and {device_of(data)}!")
        if cls is Sub:
            _check_sub(data, od)
        rt = _dt.result_type(data, od)
        if cls is Div and rt.kind != "f":
            rt = _dt.get_default_dtype().np_dtype
        if not _can_cast(rt, data.dtype):
            raise _cast_error(rt, data.dtype)
        if hasattr(od, "shape") and od.shape != data.shape:
            from ..autograd.broadcast import broadcast_shapes
            full = broadcast_shapes(data.shape, od.shape)
            if full != data.shape:
                raise RuntimeError(f"output with shape {list(data.shape)} doesn't match the "
                                   f"broadcast shape {list(full)}")
        if not _writable(data):
            raise RuntimeError(_OVERLAP)
        with np.errstate(all="ignore"):
            getattr(get_array_module(data), ufunc_name)(data, od, out=data, casting="unsafe")
        self._version[0] += 1
        return self
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
        needs = any(getattr(a, "_requires_grad", False) for a in args) or \
            any(getattr(a, "_requires_grad", False) for a in kwargs.values())
        return inplace_update(self, lambda x: fn(x, *args, **kwargs), needs)
    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``; returns self."
    return method


def pow_(self, exponent):
    """In-place ``self ** exponent``; returns self."""
    from .arithmetic import Pow
    return apply_inplace(self, Pow, as_operand(exponent))


register_methods(
    copy_=copy_, fill_=fill_, zero_=zero_, add_=add_, sub_=sub_, subtract_=sub_, mul_=mul_,
    multiply_=mul_, div_=div_, divide_=div_, true_divide_=div_, pow_=pow_,
    __iadd__=add_, __isub__=sub_, __imul__=mul_, __itruediv__=div_, __ipow__=pow_,
    **{n + "_": _inplace_unary(n) for n in (
        "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "neg", "clamp",
        "clamp_min", "clamp_max", "floor", "ceil", "round", "trunc", "sign", "reciprocal",
        "rsqrt", "log1p", "expm1", "square", "masked_fill", "index_fill", "scatter",
        "scatter_add", "index_add", "index_copy", "lerp", "nan_to_num", "erf", "tril", "triu",
        "addcmul", "addcdiv", "asin", "acos", "atan", "asinh", "acosh", "atanh", "sinh", "cosh",
        "tan", "log2", "log10", "exp2", "frac", "atan2", "arctan2", "hypot", "xlogy", "logit",
        "sgn", "deg2rad", "rad2deg", "clip", "index_put")}
)
