"""``Function``: forward and backward side by side; the one mechanism behind every op.

Built-in ops and users' custom functions both subclass :class:`Function`. ``apply`` runs
``forward`` with recording off; then, only if grad mode is on and some input requires grad,
it turns ``ctx`` into the graph node (``grad_fn``) of the outputs and keeps what
``ctx.save_for_backward`` named. Otherwise ctx is dropped at once and nothing forward saved
stays alive: this is why inference memory falls when grad mode is off.

Built-in ops set ``_array_forward = True``: their forward takes and returns raw arrays (NumPy
or CuPy), which skips a wrapper per op. Their backward, like a user's, takes and returns
Tensors and is written with gpugrad's own ops, so ``create_graph=True`` differentiates it.
"""
import functools

from . import graph
from .grad_mode import _tls
from .graph import Node, SavedTensor, next_sequence_number

_INFERENCE_SAVE = ("Inference tensors cannot be saved for backward. To work around you can "
                   "make a clone to get a normal tensor and use it in autograd.")


class FunctionCtx:
    """What ``forward`` and ``backward`` receive as ``ctx``."""

    _to_save = None
    _non_differentiable = None
    _dirty = None
    materialize_grads = True

    def save_for_backward(self, *tensors):
        """Declare what backward will need; kept only if this call is recorded."""
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._to_save_forward = tensors

    def mark_non_differentiable(self, *outputs):
        """Outputs that never require grad (indices, masks)."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors):
        """Inputs that forward modified in place."""
        self._dirty = tensors

    def set_materialize_grads(self, value):
        """With False, backward gets None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = value


class _DiscardCtx(FunctionCtx):
    """ctx of a call that is not recorded: everything declared on it is dropped with it."""

    def save_for_backward(self, *tensors):
        pass

    @property
    def needs_input_grad(self):
        return (False,) * self._nargs


class BackwardNode(Node, FunctionCtx):
    """The ctx of a recorded call, which is also the outputs' ``grad_fn``."""

    _forward_cls = None
    _saved = None
    _freed = False

    @property
    def saved_tensors(self):
        """The tensors ``save_for_backward`` kept, checked against in-place changes."""
        if self._freed:
            raise RuntimeError(graph.FREED_MESSAGE)
        saved = self._saved
        if saved is None:
            return ()
        return tuple(None if s is None else s.unpack(self) for s in saved)

    @property
    def saved_variables(self):
        return self.saved_tensors

    def _release(self):
        if self._saved is not None:
            self._saved = None
            self._freed = True

    def _call_backward(self, grads):
        return self._forward_cls.backward(self, *grads)


class FunctionMeta(type):
    """Gives every Function subclass its own node class, named like PyTorch's."""

    def __init__(cls, name, bases, attrs):
        # Built-in ops are named like PyTorch's generated nodes (MulBackward0); a user's
        # Function gets MyFnBackward, as in PyTorch.
        suffix = "Backward0" if getattr(cls, "_builtin", False) else "Backward"
        cls._backward_cls = type(name + suffix, (BackwardNode,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


def _check_devices(args):
    """Called when forward failed: name the devices if the inputs were on different ones."""
    from ..tensor import Tensor
    devices = []
    for a in args:
        if isinstance(a, Tensor):
            d = a.device
            if d not in devices:
                devices.append(d)
    if len(devices) > 1:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {devices[0]} and {devices[1]}!")


class Function(metaclass=FunctionMeta):
    """Base class of differentiable operations, as ``torch.autograd.Function``.

    Example::

        class Exp(gg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, gy):
                y, = ctx.saved_tensors
                return gy * y

        y = Exp.apply(gg.tensor([1.0], requires_grad=True))
    """

    _array_forward = False
    _builtin = False
    # Ops whose output may share memory with their first input (reshape, transpose, ...).
    _view_op = False

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method.")

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes positional arguments only")
        tls = _tls
        if tls.grad_enabled:
            for a in args:
                if getattr(a, "_requires_grad", False):
                    return _record(cls, args)
        ctx = _DiscardCtx()
        ctx._nargs = len(args)
        if cls._array_forward:
            from ..tensor import _make, Tensor
            arrays = [a._data if isinstance(a, Tensor) else a for a in args]
            try:
                out = cls.forward(ctx, *arrays)
            except Exception:
                _check_devices(args)
                raise
            if type(out) is tuple:
                return tuple(_make(o) for o in out)
            res = _make(out)
            if cls._view_op:
                _mark_view(res, args[0], cls if tls.grad_enabled else None, args)
            return res
        prev = tls.grad_enabled
        tls.grad_enabled = False
        try:
            out = cls.forward(ctx, *args)
        finally:
            tls.grad_enabled = prev
        return out


def _mark_view(out, src, cls=None, args=None):
    """Make ``out`` a view of ``src`` (shared version counter) if it shares its memory.

    A recorded view also keeps how to make it again from its base, so an in-place change of
    the view can rewrite the base's history (see ``ops.copy``).
    """
    od, sd = out._data, src._data
    base = od.base
    if base is not None and (base is sd or base is sd.base):
        out._base = src if src._base is None else src._base
        out._version = src._version
        if cls is not None:
            prev = src._extra.get("view_fn") if src._extra else None
            rest = args[1:]
            if prev is None:
                fn = lambda b: cls.apply(b, *rest)  # noqa: E731
            else:
                fn = lambda b: cls.apply(prev(b), *rest)  # noqa: E731
            out._extras()["view_fn"] = fn


def _record(cls, args):
    from ..tensor import Tensor, _make
    tls = _tls
    node = cls._backward_cls()
    is_tensor = tuple(isinstance(a, Tensor) for a in args)
    node.needs_input_grad = tuple(t and a._requires_grad for a, t in zip(args, is_tensor))
    node._tensor_args = is_tensor
    if cls._array_forward:
        inputs = [a._data if t else a for a, t in zip(args, is_tensor)]
    else:
        inputs = args
    tls.grad_enabled = False
    try:
        out = cls.forward(node, *inputs)
    except Exception:
        _check_devices(args)
        raise
    finally:
        tls.grad_enabled = True

    single = type(out) is not tuple
    outs = (out,) if single else out
    nondiff = node._non_differentiable
    dirty = node._dirty
    wrapped = []
    for i, o in enumerate(outs):
        if cls._array_forward:
            t = _make(o)
            if o.dtype.kind not in "fc":
                # Integer and bool outputs (indices, masks) never carry gradients.
                wrapped.append(t)
                continue
        elif not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        elif dirty is not None and any(o is d for d in dirty):
            if o.grad_fn is None and o._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
            t = o
        elif any(o is a for a in args):
            # Returning an input unchanged gives a new tensor on the same storage, so the
            # input keeps its own grad_fn.
            t = _make(o._data)
            t._version = o._version
        else:
            t = o
        if nondiff is not None and any(o is n for n in nondiff):
            t._requires_grad = False
        else:
            t._requires_grad = True
            t.grad_fn = node
            t._output_nr = i
        wrapped.append(t)
    node._n_outputs = len(outs)
    if not cls._array_forward or len(outs) > 1:
        # Shapes of outputs, for zero gradients where an output got none (materialize_grads).
        from ..backend import get_array_module
        node._output_meta = tuple(
            (t._data.shape, t._data.dtype, get_array_module(t._data))
            if isinstance(t, Tensor) else ((), None, None) for t in wrapped)

    edges = []
    meta = []
    for a, t in zip(args, is_tensor):
        if t and a._requires_grad:
            fn = a.grad_fn
            edges.append((fn, a._output_nr) if fn is not None else (a._grad_accumulator(), 0))
            meta.append(a._data)
        else:
            edges.append(None)
            meta.append(None)
    node._next = tuple(edges)
    # Shapes and dtypes the gradients must come back in (the engine reduces broadcasting).
    node._input_meta = tuple(None if m is None else (m.shape, m.dtype) for m in meta)
    node._seq = next_sequence_number()

    to_save = node._to_save
    if to_save is not None:
        node._to_save = None
        node._saved = _save(node, to_save, args, inputs, outs, wrapped, is_tensor)
    if cls._view_op and cls._array_forward:
        _mark_view(wrapped[0], args[0], cls, args)
    if graph._anomaly_enabled():
        graph._record_trace(node)
    return wrapped[0] if single else tuple(wrapped)


def _save(node, to_save, args, inputs, outs, wrapped, is_tensor):
    """Resolve what forward declared into SavedTensors: inputs, outputs or constants."""
    from ..tensor import Tensor, _make
    inference = _tls.inference
    hooks = graph._saved_hooks()
    saved = []
    for s in to_save:
        if s is None:
            saved.append(None)
            continue
        st = SavedTensor()
        st.unpack_hook = None
        for j, o in enumerate(outs):
            if s is o:
                out_t = wrapped[j]
                st.tensor = None
                st.data = out_t._data
                st.is_output = True
                st.output_nr = j
                st.requires_grad = out_t._requires_grad
                st.version_counter = out_t._version
                st.version = out_t._version[0]
                break
        else:
            src = None
            for j, a in enumerate(inputs):
                if s is a and is_tensor[j]:
                    src = args[j]
                    break
            if src is None:
                src = s if isinstance(s, Tensor) else _make(s)
            if src._inference and not inference:
                raise RuntimeError(_INFERENCE_SAVE)
            st.tensor = src
            st.data = None
            st.is_output = False
            st.output_nr = 0
            st.requires_grad = src._requires_grad
            st.version_counter = src._version
            st.version = src._version[0]
        if hooks is not None:
            pack, unpack = hooks
            value = st.tensor if not st.is_output else st.unpack(node)
            st.packed = pack(value)
            st.unpack_hook = unpack
            st.tensor = st.data = None
        saved.append(st)
    return tuple(saved)


def once_differentiable(fn):
    """Decorate a custom ``backward`` that cannot itself be differentiated.

    Its result is detached; asking for a gradient through it raises a clear error.
    """
    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        from .grad_mode import no_grad
        with no_grad():
            result = fn(ctx, *grads)
        if not _tls.grad_enabled:
            return result
        requires = any(getattr(g, "_requires_grad", False) for g in grads)
        if not requires:
            return result
        single = not isinstance(result, tuple)
        res = (result,) if single else result
        out = tuple(None if r is None else _OnceDifferentiableError.apply(r, *grads)
                    for r in res)
        return out[0] if single else out
    return wrapper


class _OnceDifferentiableError(Function):
    """Carries a once-differentiable gradient; differentiating it again raises."""

    @staticmethod
    def forward(ctx, result, *grads):
        return result.detach()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")
