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
from .graph import Node, SavedInput, SavedTensor, _anomaly
from ..memory import _saved as _memory_saved  # bytes held for backward (gpugrad/memory)
from ..memory._counters import TRACK_MIN_BYTES as _TRACK_MIN_BYTES

_INFERENCE_SAVE = ("Inference tensors cannot be saved for backward. Please do not use Tensors "
                   "created in inference mode in computation tracked by autograd. To work "
                   "around this, you can make a clone to get a normal tensor and use it in "
                   "autograd, or use `gpugrad.no_grad()` instead of "
                   "`gpugrad.inference_mode()`.")


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

    needs_input_grad = ()

    def save_for_backward(self, *tensors):
        pass


def _discard_ctx_cls(n):
    # One subclass per arity with needs_input_grad as a class constant, so that a call that
    # is not recorded sets nothing on its ctx.
    return type("_DiscardCtx", (_DiscardCtx,), {"needs_input_grad": (False,) * n})


_DISCARD = tuple(_discard_ctx_cls(n) for n in range(12))


class _FrozenCtx:
    """The ctx of an unrecorded call of an op marked ``_ctx_free``: one shared instance per
    arity instead of an object per call. Such an op's forward only declares saves and reads
    needs_input_grad unless something is recorded; a store on this ctx raises (no slots)."""

    __slots__ = ()
    materialize_grads = True
    needs_input_grad = ()

    def save_for_backward(self, *tensors):
        pass

    save_for_forward = mark_non_differentiable = mark_dirty = save_for_backward

    def set_materialize_grads(self, value):
        pass


_FROZEN = tuple(type("_FrozenCtx", (_FrozenCtx,), {"__slots__": (),
                                                   "needs_input_grad": (False,) * n})()
                for n in range(12))


class BackwardNode(Node, FunctionCtx):
    """The ctx of a recorded call, which is also the outputs' ``grad_fn``."""

    _forward_cls = None
    _saved = None
    _freed = False
    # The forward class's _backward_arrays (see _fast_backward_of), bound to the node: the
    # node is its ctx.
    _fast_backward = None

    @property
    def saved_tensors(self):
        """The tensors ``save_for_backward`` kept, checked against in-place changes."""
        if self._freed:
            raise RuntimeError(graph.FREED_MESSAGE)
        saved = self._saved
        if saved is None:
            return ()
        return tuple([None if s is None else s.unpack(self) for s in saved])

    @property
    def saved_variables(self):
        return self.saved_tensors

    @property
    def saved_arrays(self):
        """The arrays of the saved tensors, checked as ``saved_tensors`` checks them: what a
        first-order ``_backward_arrays`` reads (no tensor is made per saved value)."""
        if self._freed:
            raise RuntimeError(graph.FREED_MESSAGE)
        saved = self._saved
        if saved is None:
            return ()
        out = []
        for s in saved:
            if s is None:
                out.append(None)
            elif s.unpack_hook is not None:
                out.append(s.unpack(self)._data)
            else:
                vc = s.version_counter
                if vc is not None and vc[0] != s.version:
                    s.unpack(self)          # raises PyTorch's in-place error
                out.append(s.data if s.is_output else s.tensor._data)
        return out

    def _release(self):
        if self._saved is not None:
            if _memory_saved._nodes:      # memory accounting: these saves are let go
                _memory_saved.released(self)
            self._saved = None
            self._freed = True

    def _call_backward(self, grads):
        return self._forward_cls.backward(self, *grads)


class FunctionMeta(type):
    """Gives every Function subclass its own node class, named like PyTorch's."""

    def __init__(cls, name, bases, attrs):
        # Built-in ops are named like PyTorch's generated nodes (MulBackward0), or by their
        # own ``_node_name`` where PyTorch's differs from the class name (RsubBackward1); a
        # user's Function gets MyFnBackward, as in PyTorch.
        node_name = attrs.get("_node_name") or name + (
            "Backward0" if getattr(cls, "_builtin", False) else "Backward")
        cls._backward_cls = type(node_name, (BackwardNode,), {
            "_forward_cls": cls, "_edge_args": getattr(cls, "_edge_args", None),
            "_fast_backward": _fast_backward_of(cls)})
        if "forward" in attrs and "_ctx_free" not in attrs:
            cls._ctx_free = False       # a new forward says so for itself
        super().__init__(name, bases, attrs)


def _fast_backward_of(cls):
    """``cls._backward_arrays`` where the class that defines the ``backward`` in use defines
    it beside it (a subclass that overrides ``backward`` alone does not inherit it).

    ``_backward_arrays(ctx, *grads)`` is an optional first-order form of ``backward`` on raw
    arrays: the same formula, computed by the same array calls, so its numbers are the same.
    The engine runs it when no graph is being made of the backward pass (not
    ``create_graph``) and nothing is profiling; it returns a tuple (one array or None per
    forward argument), or NotImplemented to hand the call to ``backward``.
    """
    for klass in cls.__mro__:
        if "backward" in klass.__dict__:
            fast = klass.__dict__.get("_backward_arrays")
            return fast.__func__ if isinstance(fast, staticmethod) else fast
    return None


def _explain_failure(error, args):
    """Called when forward failed: raise PyTorch's error for mixed devices or shapes that do
    not broadcast, in place of the array library's."""
    _check_devices(args)
    if isinstance(error, ValueError) and "broadcast" in str(error):
        from .broadcast import broadcast_shapes
        shapes = [a.shape for a in args if hasattr(a, "shape")]
        if len(shapes) > 1:
            broadcast_shapes(*shapes)


def _check_devices(args):
    """Name the devices if the inputs were on different ones."""
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
    # Built-in ops whose forward stores nothing on ctx when no input needs a gradient (it
    # only declares saves and reads needs_input_grad): unrecorded calls share one ctx.
    _ctx_free = False
    # The argument positions next_functions reports, as PyTorch's node for the op has them:
    # its binary arithmetic wraps Python numbers as tensors, so ``x * 3`` has
    # ``((AccumulateGrad, 0), (None, 0))``. None: every tensor argument.
    _edge_args = None

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

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
        if _autocast_hook is not None:      # an autocast region is open (gpugrad.amp)
            args = _autocast_hook(cls.__name__, args)
        if _profile_hook is not None and _profile_hook.take():  # memory profiling only
            return _profile_hook.run(cls, args)
        tls = _tls
        if tls.grad_enabled:
            for a in args:
                if getattr(a, "_requires_grad", False):
                    return _record(cls, args)
        # Not recorded: ctx lives for this call only, so whatever forward saved is freed.
        n = len(args)
        if cls._ctx_free and n < 12:
            ctx = _FROZEN[n]
        else:
            ctx = _DISCARD[n]() if n < 12 else _discard_ctx_cls(n)()
        if cls._array_forward:
            # The hot path of every op without grad: arguments unwrapped by arity (no list
            # per call), globals read once.
            Tensor = _Tensor or _bind()
            try:
                if n == 1:
                    a = args[0]
                    out = cls.forward(ctx, a._data if isinstance(a, Tensor) else a)
                elif n == 2:
                    a, b = args
                    out = cls.forward(ctx, a._data if isinstance(a, Tensor) else a,
                                      b._data if isinstance(b, Tensor) else b)
                elif n == 3:
                    a, b, c = args
                    out = cls.forward(ctx, a._data if isinstance(a, Tensor) else a,
                                      b._data if isinstance(b, Tensor) else b,
                                      c._data if isinstance(c, Tensor) else c)
                elif n == 4:
                    a, b, c, d = args
                    out = cls.forward(ctx, a._data if isinstance(a, Tensor) else a,
                                      b._data if isinstance(b, Tensor) else b,
                                      c._data if isinstance(c, Tensor) else c,
                                      d._data if isinstance(d, Tensor) else d)
                else:
                    out = cls.forward(ctx, *[a._data if isinstance(a, Tensor) else a
                                             for a in args])
            except Exception as e:
                _explain_failure(e, args)
                raise
            if type(out) is tuple:
                return tuple([_make(o) for o in out])
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


# Set by gpugrad.memory.profile() while it is active (None otherwise: one global test per op).
_profile_hook = None
# Set by gpugrad.amp while some thread is inside an enabled autocast region (None otherwise:
# one global test per op): casts the op's inputs as autocast's op lists say.
_autocast_hook = None

# Bound on first use: tensor.py imports this package, so these cannot be imported at the top.
_Tensor = None
_make = None
# Interned tuples of flags (needs_input_grad, which arguments are tensors, all-None saves).
_FLAGS = {}


def _bind():
    global _Tensor, _make
    from ..tensor import Tensor, _make as make
    _Tensor, _make = Tensor, make
    return Tensor


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
            extra = out._extras()
            extra["view_fn"] = fn
            # The version its node was made at: a later in-place change of the base (or of
            # another view of it) makes ``grad_fn`` replay ``fn`` on the base's new history.
            extra["view_version"] = out._version[0]


def _kinds_flags(key, n):
    """(needs_input_grad, tensor_args) for ``n`` arguments whose kinds (0: not a tensor,
    1: a tensor, 2: one that requires grad) are the base-3 digits of ``key`` after its
    leading 1, interned: fewer objects per node for the cyclic collector to scan, and one dict
    lookup per recorded call."""
    pair = _KINDS.get(key)
    if pair is None:
        kinds = []
        k = key
        for _ in range(n):
            k, digit = divmod(k, 3)
            kinds.append(digit)
        kinds.reverse()
        needs = tuple(k == 2 for k in kinds)
        is_tensor = tuple(k != 0 for k in kinds)
        pair = _KINDS.setdefault(key, (_FLAGS.setdefault(needs, needs),
                                       _FLAGS.setdefault(is_tensor, is_tensor)))
    return pair


_KINDS = {}


def _record(cls, args):
    Tensor = _Tensor or _bind()
    tls = _tls
    node = cls._backward_cls()
    array_forward = cls._array_forward
    # One pass over the arguments: what forward receives, which inputs need a gradient, and
    # the edges to their nodes (taken before forward, which may mark an input dirty).
    # An edge is (node, output_nr, shape, dtype): where the gradient goes and the shape and
    # dtype it must have there (the engine reduces broadcasting and casts to them).
    # The arguments' kinds (0: not a tensor, 1: a tensor, 2: one that requires grad) as the
    # base-3 digits of one int after a leading 1 (unique per arity): the key of their flags.
    key = 1
    inputs, edges = [], []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            inputs.append(d if array_forward else a)
            if a._requires_grad:
                key = key * 3 + 2
                fn = a._grad_fn if a._base is None else a.grad_fn
                if fn is not None:
                    edges.append((fn, a._output_nr, d.shape, d.dtype))
                else:
                    extra = a._extra
                    acc = extra.get("accumulator") if extra is not None else None
                    edges.append((acc or a._grad_accumulator(), 0, d.shape, d.dtype))
                continue
            key = key * 3 + 1
        else:
            key *= 3
            inputs.append(a)
        edges.append(None)
    node.needs_input_grad, is_tensor = _KINDS.get(key) or _kinds_flags(key, len(args))
    node._tensor_args = is_tensor
    # A forward on Tensors runs with recording off. One on arrays cannot record anything, so
    # grad mode stays as it is (two thread-local stores less per op).
    if not array_forward:
        tls.grad_enabled = False
    try:
        out = cls.forward(node, *inputs)
    except Exception as e:
        _explain_failure(e, args)
        raise
    finally:
        if not array_forward:
            tls.grad_enabled = True

    single = type(out) is not tuple
    nondiff = node._non_differentiable
    if single and array_forward:
        # The common case (one array out) without the loop below; Node's _n_outputs is 1.
        outs = (out,)
        t = _make(out)
        wrapped = (t,)
        if out.dtype.kind in "fc" and (nondiff is None or not any(out is n for n in nondiff)):
            t._requires_grad = True
            t._grad_fn = node
    else:
        outs = (out,) if single else out
        wrapped = _wrap_outputs(node, outs, args, array_forward, nondiff)
    node._next = tuple(edges)

    to_save = node._to_save
    if to_save is not None:
        node._to_save = None
        for s in to_save:
            if s is not None:
                node._saved, held = _save(node, to_save, args, inputs, outs, wrapped, is_tensor)
                if held:
                    _memory_saved.account(node)  # memory accounting: count what it holds
                break
        else:
            # Nothing but None: no tensors to keep, but the graph still counts as holding
            # saved values (a second backward raises, as PyTorch's does).
            node._saved = _FLAGS.setdefault(to_save, to_save)
    if cls._view_op and array_forward:
        _mark_view(wrapped[0], args[0], cls, args)
    if _anomaly["enabled"]:
        graph._record_trace(node)
    return wrapped[0] if single else tuple(wrapped)


def _wrap_outputs(node, outs, args, array_forward, nondiff):
    """The output tensors of a recorded call with several outputs, or of a user's Function."""
    Tensor = _Tensor
    dirty = node._dirty
    wrapped = []
    for i, o in enumerate(outs):
        if array_forward:
            t = _make(o)
            if o.dtype.kind not in "fc":
                # Integer and bool outputs (indices, masks) never carry gradients.
                wrapped.append(t)
                continue
        elif not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        elif dirty is not None and any(o is d for d in dirty):
            if o._grad_fn is None and o._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
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
        elif t._data.dtype.kind in "fc":
            t._requires_grad = True
            t._grad_fn = node
            t._output_nr = i
        wrapped.append(t)
    node._n_outputs = len(outs)
    # Shapes of outputs, for zero gradients where an output got none (materialize_grads).
    from ..backend import get_array_module
    node._output_meta = tuple(
        (t._data.shape, t._data.dtype, get_array_module(t._data))
        if isinstance(t, Tensor) else ((), None, None) for t in wrapped)
    return wrapped


def _save(node, to_save, args, inputs, outs, wrapped, is_tensor):
    """Resolve what forward declared into SavedTensors: inputs, outputs or constants.

    Returns them with whether memory accounting must look at them: some buffer is big enough
    to count or is a view (which may hold a big owner), or a pack hook replaced it. The test is
    made here, on arrays already in hand, so a small recorded op pays no call into the
    accounting (gpugrad/memory/_saved.py applies the same threshold).
    """
    hooks = graph._saved_hooks()
    held = hooks is not None
    saved = []
    out0 = outs[0]
    for s in to_save:
        if s is None:
            saved.append(None)
            continue
        j = 0 if s is out0 else _index(s, outs) if len(outs) > 1 else -1
        if j >= 0:
            st = _new_saved(SavedTensor)
            out_t = wrapped[j]
            a = st.data = out_t._data
            st.tensor = None
            st.is_output = True
            st.output_nr = j
            st.requires_grad = out_t._requires_grad
            version = st.version_counter = out_t._version
        else:
            for j, a in enumerate(inputs):
                if s is a and is_tensor[j]:
                    src = args[j]
                    break
            else:
                src = s if isinstance(s, _Tensor) else _make(s)
            if src._inference and not _tls.inference:
                raise RuntimeError(_INFERENCE_SAVE)
            st = _new_saved(SavedInput)
            st.tensor = src
            st.requires_grad = src._requires_grad
            version = st.version_counter = src._version
            a = src._data
        st.version = version[0]
        held = held or a.nbytes >= _TRACK_MIN_BYTES or a.base is not None
        if hooks is not None:
            graph.pack_saved(st, node, *hooks)
        saved.append(st)
    return tuple(saved), held


_new_saved = object.__new__


def _index(x, items):
    for j, o in enumerate(items):
        if x is o:
            return j
    return -1


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
