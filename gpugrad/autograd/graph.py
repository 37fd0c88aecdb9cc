"""Graph nodes: the recorded half of every op.

A :class:`Node` (a tensor's ``grad_fn``) has one edge per forward argument, pointing at the
node that produced that argument (or the :class:`AccumulateGrad` of a leaf), and the tensors
its backward needs, each saved with the version it had so that a later in-place change is
caught. Nodes hold no reference back to their outputs, so a graph never forms a reference
cycle and is freed as soon as nothing points at its root.
"""
import itertools
import weakref

from .grad_mode import _tls

_seq = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` takes the hook out again."""

    __slots__ = ("_hooks", "_key")
    _ids = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self._key = next(RemovableHandle._ids)

    def remove(self):
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, fn):
    """Append ``fn`` to an ordered hook dict and return its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle._key] = fn
    return handle


class Node:
    """Base of every graph node (``grad_fn``)."""

    _next = ()
    _n_outputs = 1
    _forward_cls = None
    _saved = None
    _freed = False
    # Argument positions that next_functions reports, ``(None, 0)`` for a Python number there;
    # None: every tensor argument (see ``Function._edge_args``).
    _edge_args = None

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """``((node, output_nr), ...)`` for each tensor argument, ``(None, 0)`` where none."""
        if self._edge_args is not None:
            nxt = self._next
            return tuple((None, 0) if nxt[i] is None else nxt[i][:2] for i in self._edge_args)
        return tuple((None, 0) if e is None else e[:2] for e, is_tensor
                     in zip(self._next, self._tensor_args) if is_tensor)

    _tensor_args = ()

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if "_post_hooks" not in self.__dict__:
            self._post_hooks = {}
        return add_hook(self._post_hooks, fn)

    def __getattr__(self, name):
        # PyTorch's introspection of saved values: ``_saved_self``, ``_saved_result``, and
        # ``_raw_saved_self`` (for hooks), named by the op's ``_saved_names``.
        raw = name.startswith("_raw_saved_")
        if raw or name.startswith("_saved_"):
            key = name[11:] if raw else name[7:]
            names = getattr(self._forward_cls, "_saved_names", None) or ()
            if key in names:
                i = names.index(key)
                if self._freed:
                    raise RuntimeError(FREED_MESSAGE)
                saved = self._saved
                if not saved or saved[i] is None:
                    # A Python number the op kept as a plain value (``x ** 2``'s exponent).
                    numbers = self.__dict__.get("numbers")
                    return numbers[i] if numbers and not raw else None
                return RawSavedTensor(self, i) if raw else saved[i].unpack(self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; it may return new grads."""
        if "_pre_hooks" not in self.__dict__:
            self._pre_hooks = {}
        return add_hook(self._pre_hooks, fn)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node at a leaf: runs the leaf's hooks and adds the gradient into ``leaf.grad``.

    It holds its leaf weakly (the leaf holds it strongly), so a dropped leaf is freed even
    while a graph that used it is alive; its gradient then has nowhere to go.
    """

    __slots__ = ("_leaf",)
    _next = ()

    def __init__(self, leaf):
        self._leaf = weakref.ref(leaf)

    def name(self):
        return "gpugrad::autograd::AccumulateGrad"

    @property
    def variable(self):
        return self._leaf()

    @property
    def next_functions(self):
        return ()


_make = None


def _bind_make():
    # tensor.py imports this module, so tensor._make is bound on first use (an import
    # statement in a hot method costs a microsecond or so per call).
    global _make
    from ..tensor import _make as make
    _make = make
    return make


class SavedTensor:
    """One tensor kept for backward, with the version it had when it was saved.

    Outputs of the node are kept as bare data (a reference to the tensor would point back at
    the node); they get their ``grad_fn`` again when unpacked, so double backward works.
    """

    __slots__ = ("tensor", "data", "version_counter", "version", "is_output", "output_nr",
                 "requires_grad", "__dict__")
    # Set only for a tensor packed by saved-tensor hooks (into the instance dict, made then):
    # recording a node does not store them for every saved tensor.
    packed = unpack_hook = grad_fn = accumulator = None

    def unpack(self, node):
        version_counter = self.version_counter
        if version_counter is not None and version_counter[0] != self.version:
            raise RuntimeError(_inplace_message(self, node))
        if self.unpack_hook is not None:
            return self._unpack_hooked(node)
        if not self.is_output:
            return self.tensor
        t = (_make or _bind_make())(self.data, self.requires_grad)
        if self.requires_grad:
            t._grad_fn = node
            t._output_nr = self.output_nr
        t._version = version_counter
        return t


    def _unpack_hooked(self, node):
        """What the unpack hook returns, with the saved tensor's autograd metadata (as
        PyTorch: a new tensor on the returned storage, so double backward still reaches the
        original history)."""
        from ..tensor import Tensor, _make
        value = self.unpack_hook(self.packed)
        if not isinstance(value, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(value).__name__}")
        t = _make(value._data, self.requires_grad)
        t._version = value._version
        if self.requires_grad:
            t._grad_fn = node if self.is_output else self.grad_fn
            t._output_nr = self.output_nr
            if self.accumulator is not None:
                t._extras()["accumulator"] = self.accumulator
        return t


class SavedInput(SavedTensor):
    """A saved input of its node: kept as the tensor itself. The fields only an output sets
    are class constants here, so recording an input costs three stores less."""

    __slots__ = ()
    data = None
    is_output = False
    output_nr = 0


def pack_saved(st, node, pack_hook, unpack_hook):
    """Hand a saved tensor to ``pack_hook``; keep what it returns and the tensor's autograd
    metadata, and drop the tensor itself."""
    if st.is_output:
        value = st.unpack(node)
    else:
        value = st.tensor
        st.grad_fn = value.grad_fn
        st.output_nr = value._output_nr
        if value._requires_grad and st.grad_fn is None:
            st.accumulator = value._grad_accumulator()
    st.packed = pack_hook(value)
    st.unpack_hook = unpack_hook
    st.tensor = st.data = None


class RawSavedTensor:
    """``grad_fn._raw_saved_<name>``: one saved tensor, on which hooks can be registered."""

    __slots__ = ("_node", "_index")

    def __init__(self, node, index):
        self._node, self._index = node, index

    def register_hooks(self, pack_hook, unpack_hook):
        """Pack the saved tensor now with ``pack_hook``; ``unpack_hook`` gives it back."""
        node = self._node
        if node._freed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through "
                "the graph a second time or if you need to access saved variables after calling "
                "backward.")
        st = node._saved[self._index]
        if st.unpack_hook is not None:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have "
                               "already been set. Hint: only one pair of hooks is allowed at a "
                               "time.")
        pack_saved(st, node, pack_hook, unpack_hook)


def _inplace_message(saved, node):
    """PyTorch's text for a saved tensor that was modified in place after it was saved."""
    from ..dtypes import torch_name
    data = saved.data if saved.is_output else (saved.tensor._data if saved.tensor is not None
                                               else None)
    if data is not None:
        cuda = type(data).__module__.startswith("cupy")
        kind = f"gpugrad.{'cuda.' if cuda else ''}{torch_name(data.dtype)}Tensor"
        what = f"[{kind} {list(data.shape)}]"
    else:
        what = "[a saved tensor]"
    if saved.is_output:
        where = f", which is output {saved.output_nr} of {_op_name(node)},"
    elif saved.tensor is not None and saved.tensor.grad_fn is not None:
        t = saved.tensor
        where = f", which is output {t._output_nr} of {_op_name(t.grad_fn)},"
    else:
        where = ""
    if _anomaly["enabled"]:
        hint = ("Hint: the backtrace further above can show the operation that failed to "
                "compute its gradient. The variable in question was changed in there or "
                "anywhere later. Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute "
                "its gradient, with gpugrad.autograd.set_detect_anomaly(True, "
                "check_nan=False).")
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what}{where} is at version {saved.version_counter[0]}; "
            f"expected version {saved.version} instead. {hint}")


def _op_name(node):
    """A node's forward op, as PyTorch names it in errors: ExpBackward0 -> Exp."""
    name = node.name()
    i = name.rfind("Backward")
    return name[:i] if i > 0 else name


def next_sequence_number():
    return next(_seq)


def grad_recording():
    """True when ops called now would be recorded (grad mode on)."""
    return _tls.grad_enabled


# --- saved-tensor hooks: a per-thread stack of (pack, unpack) pairs -----------------------
import threading  # noqa: E402


class _HookState(threading.local):
    # A class default: a thread that never pushed reads None here without the exception a
    # missing attribute of a threading.local costs (this is read by every recorded save).
    stack = None


_hook_state = _HookState()
# Pairs pushed in all threads together (changed under the lock): while none is, a recorded
# save needs no thread-local read. A thread's own push is always visible to itself.
_pushed = 0
_pushed_lock = threading.Lock()


def _saved_hooks():
    """The innermost (pack, unpack) pair in force in this thread, or None."""
    if not _pushed:
        return None
    stack = _hook_state.stack
    return stack[-1] if stack else None


def _push_saved_hooks(pack, unpack):
    global _pushed
    stack = getattr(_hook_state, "stack", None)
    if stack is None:
        stack = _hook_state.stack = []
    stack.append((pack, unpack))
    with _pushed_lock:
        _pushed += 1


def _pop_saved_hooks():
    global _pushed
    _hook_state.stack.pop()
    with _pushed_lock:
        _pushed -= 1


# --- anomaly mode: a process-wide switch, as in PyTorch ---------------------------------
_anomaly = {"enabled": False, "check_nan": True}


def _anomaly_enabled():
    return _anomaly["enabled"]


def _record_trace(node):
    """Keep the user's part of the stack that is creating ``node`` (anomaly mode only)."""
    import os
    import traceback
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(package)]
    node._creation_trace = "".join(traceback.format_list(frames))


from .saved_hooks import saved_tensors_hooks, save_on_cpu  # noqa: E402,F401  (public API)
