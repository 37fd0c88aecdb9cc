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

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """``((node, output_nr), ...)`` for each tensor argument, ``(None, 0)`` where none."""
        return tuple((None, 0) if e is None else e for e, is_tensor
                     in zip(self._next, self._tensor_args) if is_tensor)

    _tensor_args = ()

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if "_post_hooks" not in self.__dict__:
            self._post_hooks = {}
        return add_hook(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; it may return new grads."""
        if "_pre_hooks" not in self.__dict__:
            self._pre_hooks = {}
        return add_hook(self._pre_hooks, fn)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node at a leaf: runs the leaf's hooks and adds the gradient into ``leaf.grad``.

    It holds its leaf weakly (the leaf holds it strongly), so a dropped leaf is freed even
    while a graph that used it is alive; its gradient then has nowhere to go.
    """

    __slots__ = ("_leaf",)
    _next = ()

    def __init__(self, leaf):
        self._leaf = weakref.ref(leaf)

    @property
    def variable(self):
        return self._leaf()

    @property
    def next_functions(self):
        return ()


class SavedTensor:
    """One tensor kept for backward, with the version it had when it was saved.

    Outputs of the node are kept as bare data (a reference to the tensor would point back at
    the node); they get their ``grad_fn`` again when unpacked, so double backward works.
    """

    __slots__ = ("tensor", "data", "version_counter", "version", "is_output", "output_nr",
                 "requires_grad", "packed", "unpack_hook")

    def unpack(self, node):
        version_counter = self.version_counter
        if version_counter is not None and version_counter[0] != self.version:
            raise RuntimeError(_inplace_message(self, node))
        if self.unpack_hook is not None:
            return self.unpack_hook(self.packed)
        if not self.is_output:
            return self.tensor
        from ..tensor import _make
        t = _make(self.data, self.requires_grad)
        if self.requires_grad:
            t.grad_fn = node
            t._output_nr = self.output_nr
        t._version = version_counter
        return t


def _inplace_message(saved, node):
    from ..dtypes import from_numpy_dtype
    data = saved.data if saved.is_output else saved.tensor._data
    kind = from_numpy_dtype(data.dtype).name
    shape = list(data.shape)
    if saved.is_output:
        where = f", which is output {saved.output_nr} of {node.name()},"
    elif saved.tensor is not None and saved.tensor.grad_fn is not None:
        t = saved.tensor
        where = f", which is output {t._output_nr} of {t.grad_fn.name()},"
    else:
        where = ","
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{kind} {shape}]{where} is at version "
            f"{saved.version_counter[0]}; expected version {saved.version} instead. Hint: the "
            "backtrace further above can show the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. "
            "Good luck!")


def next_sequence_number():
    return next(_seq)


def grad_recording():
    """True when ops called now would be recorded (grad mode on)."""
    return _tls.grad_enabled


# --- saved-tensor hooks: a per-thread stack of (pack, unpack) pairs -----------------------
import threading  # noqa: E402

_hook_state = threading.local()


def _saved_hooks():
    """The innermost (pack, unpack) pair in force in this thread, or None."""
    stack = getattr(_hook_state, "stack", None)
    return stack[-1] if stack else None


def _push_saved_hooks(pack, unpack):
    stack = getattr(_hook_state, "stack", None)
    if stack is None:
        stack = _hook_state.stack = []
    stack.append((pack, unpack))


def _pop_saved_hooks():
    _hook_state.stack.pop()


# --- anomaly mode: a process-wide switch, as in PyTorch ---------------------------------
_anomaly = {"enabled": False, "check_nan": True}


def _anomaly_enabled():
    return _anomaly["enabled"]


def _record_trace(node):
    import traceback
    node._creation_trace = "".join(traceback.format_stack()[:-3])
