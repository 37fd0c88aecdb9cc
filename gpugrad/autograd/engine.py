"""The backward engine: a dependency-counted walk over the graph, with no recursion.

One pass finds every node reachable from the roots and counts the edges into each; a node
runs once all its consumers have handed it their gradients. Gradients are summed per node
output, reduced to each input's shape and dtype here and nowhere else, passed through hooks,
and added into leaves by their ``AccumulateGrad`` nodes. Saved tensors are released after a
node runs unless ``retain_graph``.

A failed call changes nothing it can avoid changing: saved tensors are checked (freed, or
modified in place) before any node runs, and gradients reach ``.grad`` only once the whole
walk has succeeded.
"""
import gc
import sys

import numpy as np

from . import function as _function
from .array_grads import reducible as _reducible, validate_arrays as _validate_arrays
from .broadcast import Cast, SumToShape
from .graph import FREED_MESSAGE, AccumulateGrad, _anomaly, _inplace_message
from .grad_mode import _tls

__all__ = ["backward", "grad"]

_getrefcount = sys.getrefcount


_Tensor = None
_make = None


def _tensor_cls():
    # Bound on first use (tensor.py imports this package); an import statement in a function
    # costs a microsecond or so per call.
    global _Tensor, _make
    if _Tensor is None:
        from ..tensor import Tensor, _make as make
        _make = make
        _Tensor = Tensor
    return _Tensor


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _make_grads(outputs, grad_outputs, create_graph):
    """The root gradients, checked and made as PyTorch's ``_make_grads`` does."""
    Tensor = _tensor_cls()
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(out).__name__}")
        if isinstance(g, Tensor):
            if g._data.shape != out._data.shape:
                from ..tensor import Size
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(g._data.shape)!r} and output[{i}] has a shape of "
                                   f"{Size(out._data.shape)!r}.")
            if not create_graph:
                g = g.detach()
            if g._data.dtype != out._data.dtype:
                g = Cast.apply(g, out._data.dtype)
        elif g is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if out._data.dtype.kind != "f":
                    raise RuntimeError("grad can be implicitly created only for real scalar "
                                       f"outputs but got {out.dtype!r}")
                d = out._data
                # np.ones_like goes through Python-level code; a 0-d one is made directly.
                g = _make(np.array(1, d.dtype) if type(d) is np.ndarray and d.ndim == 0
                          else out._array_module.ones_like(d))
        else:
            raise TypeError(f"gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
        grads.append(g)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return grads


def _root_edges(outputs, grad_outputs, create_graph):
    grads = _make_grads(outputs, grad_outputs, create_graph)
    edges = []
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        fn = out.grad_fn
        edges.append((fn, out._output_nr) if fn is not None else (out._grad_accumulator(), 0))
    return edges, grads


def _input_edge(t):
    Tensor = _tensor_cls()
    if not isinstance(t, Tensor):
        raise TypeError(f"expected Tensor as element of inputs, but got {type(t).__name__}")
    if not t._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (t._grad_accumulator(), 0)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Sum the gradients of ``tensors`` into the ``.grad`` of the leaves of their graph.

    Example::

        >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
        >>> gg.autograd.backward([(x * 3).sum()]); x.grad
        tensor([3., 3.])
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_edges(tensors, grad_tensors, create_graph)
    if create_graph and not _warned_create_graph:
        _warn_create_graph()
    targets = None
    if inputs is not None:
        for t in inputs:
            if isinstance(t, _tensor_cls()) and not t._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        targets = [_input_edge(t) for t in inputs]
    _execute(edges, grads, retain_graph, create_graph, targets, inputs)


_warned_create_graph = False


def _warn_create_graph():
    # PyTorch warns once per process: the parameter's .grad then holds a graph that points
    # back at the parameter.
    global _warned_create_graph
    _warned_create_graph = True
    import warnings
    warnings.warn("Using backward() with create_graph=True will create a reference cycle "
                  "between the parameter and its gradient which can cause a memory leak. We "
                  "recommend using autograd.grad when creating the graph to avoid this. If you "
                  "have to use this function, make sure to reset the .grad fields of your "
                  "parameters to None after use to break the cycle and avoid the leak.",
                  UserWarning, stacklevel=3)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    Example::

        >>> x = gg.tensor(2.0, requires_grad=True)
        >>> (dy,) = gg.autograd.grad(x ** 3, x, create_graph=True); dy
        tensor(12., grad_fn=<MulBackward0>)
    """
    if is_grads_batched:
        raise NotImplementedError("is_grads_batched=True is not supported")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_edges(outputs, grad_outputs, create_graph)
    targets = [_input_edge(t) for t in inputs]
    captured = _execute(edges, grads, retain_graph, create_graph, targets, None)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                from ..tensor import _make
                g = _make(t._array_module.zeros_like(t._data), create_graph)
        result.append(g)
    return tuple(result)


def _reachable(roots):
    """Every node reachable from ``roots`` (the roots included), with the number of edges
    into each: one dict, which is also the set of nodes seen."""
    deps = dict.fromkeys(roots, 0)
    stack = list(roots)
    pop, push = stack.pop, stack.append
    while stack:
        for edge in pop()._next:
            if edge is not None:
                child = edge[0]
                if child in deps:
                    deps[child] += 1
                else:
                    deps[child] = 1
                    push(child)
    return deps


def _ancestors(seen, targets):
    """The nodes that must run to reach ``targets``: those with a target below them."""
    parents = {}
    for node in seen:
        for edge in node._next:
            if edge is not None:
                parents.setdefault(edge[0], []).append(node)
    needed = set()
    frontier = [p for node, _ in targets for p in parents.get(node, ())]
    while frontier:
        node = frontier.pop()
        if node not in needed:
            needed.add(node)
            frontier.extend(parents.get(node, ()))
    return needed


def _check_saved(nodes):
    """Raise before anything runs if a node to be run lost its saved tensors or one of them
    was modified in place since it was saved."""
    for node in nodes:
        if node._freed:             # Node's class attributes default both
            raise RuntimeError(FREED_MESSAGE)
        saved = node._saved
        if saved:
            for st in saved:
                if st is not None and st.version_counter is not None and \
                        st.version_counter[0] != st.version:
                    raise RuntimeError(_inplace_message(st, node))


def _execute(root_edges, root_grads, keep_graph, create_graph, targets, accumulate_inputs):
    """Walk the graph from the roots.

    Without ``targets``, gradients are accumulated into every leaf. With them, the gradient
    arriving at each target edge is captured and returned, only nodes that lead to a target
    run, and with ``accumulate_inputs`` (``backward(inputs=...)``) the captured gradients are
    accumulated into those tensors.
    """
    roots = list(dict.fromkeys([node for node, _ in root_edges]))
    deps = _reachable(roots)
    needed = captures = None
    if targets is not None:
        needed = _ancestors(deps, targets)
        captures = {}
        for i, key in enumerate(targets):
            captures.setdefault(key, []).append(i)
    _check_saved(deps if needed is None else needed)
    captured = [None] * (len(targets) if targets is not None else 0)
    pending = []            # (tensor, grad, how): written to .grad after the walk succeeds
    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        if g is not None:
            _add_to_buffer(buffers, node, nr, g)
    # The buffers hold the root gradients now; the list made for this call would keep them
    # alive through the walk and stop a leaf root from adopting its gradient.
    root_grads.clear()
    ready = [n for n in roots if deps[n] == 0]
    prev_mode = _tls.grad_enabled
    _tls.grad_enabled = create_graph
    # The walk makes and drops many short-lived objects while the whole graph is alive; the
    # cyclic collector would rescan that graph again and again and can free none of it
    # (graphs hold no cycles), so it waits until the walk is over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    grads = out = None
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if type(node) is AccumulateGrad:
                # A leaf's node: no edges out, nothing to hand on.
                if grads is not None:
                    _run_accumulate(node, grads[0], needed, captures, captured, pending)
                continue
            out = None
            if grads is not None:
                out = _run_node(node, grads, keep_graph, needed, captures, captured, pending)
            nexts = node._next
            if out is None:
                out = (None,) * len(nexts)
            elif len(out) < len(nexts):
                out[len(nexts) - 1]     # IndexError, as ever: a post hook returned too few
            # The hot loop: one gradient per edge, added into the child's buffer inline.
            for edge, g in zip(nexts, out):
                if edge is None:
                    continue
                child = edge[0]
                if g is not None:
                    buf = buffers.get(child)
                    if buf is None:
                        n_out = child._n_outputs
                        if n_out == 1:
                            buffers[child] = [g]
                        else:
                            buf = buffers[child] = [None] * n_out
                            buf[edge[1]] = g
                    else:
                        nr = edge[1]
                        prev = buf[nr]
                        buf[nr] = g if prev is None else prev + g
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    ready.append(child)
        del grads, out, g
        if accumulate_inputs is not None:
            for i, (t, g) in enumerate(zip(accumulate_inputs, captured)):
                if g is not None:
                    pending.append((t, g, _LEAF))
                    captured[i] = None      # backward() returns nothing: let the leaf adopt g
        for i in range(len(pending)):
            t, g, how = pending[i]
            # Drop the entry before writing: a gradient nothing else holds is then adopted by
            # its leaf (see _sole_holder), and one that must be copied dies as its copy is made
            # instead of every gradient existing twice until the end.
            pending[i] = None
            how(t, g, create_graph)
        t = g = None
    finally:
        _tls.grad_enabled = prev_mode
        if gc_was_enabled:
            gc.enable()
    return captured


def _add_to_buffer(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_outputs
    prev = buf[nr]
    buf[nr] = g if prev is None else prev + g


def _call_hook(hook, g):
    """A tensor hook's replacement for gradient ``g`` (``g`` itself when it returns None);
    PyTorch's error when the replacement has another shape."""
    r = hook(g)
    if r is None:
        return g
    if tuple(r.shape) != tuple(g.shape):
        raise RuntimeError(f"hook '{getattr(hook, '__name__', type(hook).__name__)}' has "
                           f"changed the size of value")
    return r


def _run_node(node, grads, keep_graph, needed, captures, captured, pending):
    if type(node) is AccumulateGrad:
        _run_accumulate(node, grads[0], needed, captures, captured, pending)
        return None
    d = node.__dict__
    hooks = d.get("_tensor_hooks")
    if hooks:
        for nr, per_output in hooks.items():
            if grads[nr] is not None:
                for h in list(per_output.values()):
                    grads[nr] = _call_hook(h, grads[nr])
    retain = d.get("_retain_grad_hooks")
    if retain:
        for nr, ref in retain.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                pending.append((t, grads[nr], _RETAINED))
    if captures is not None:
        for nr in range(node._n_outputs):
            idx = captures.get((node, nr))
            if idx is not None:
                for i in idx:
                    captured[i] = grads[nr]
        if node not in needed:
            return None
    pre = d.get("_pre_hooks")
    if pre:
        for h in list(pre.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    # Only a multi-output node can be missing a gradient (the buffer was made by one).
    if len(grads) > 1 and node.materialize_grads and any(g is None for g in grads):
        grads = _materialize(node, grads)
    try:
        out = NotImplemented
        fast = node._fast_backward
        # First order without a profile running: the op's array form of its backward, when
        # it has one (no tensor or node per step of the formula).
        if fast is not None and not _tls.grad_enabled and _function._profile_hook is None:
            if len(grads) == 1:
                g = grads[0]
                out = fast(None if g is None else g._data)
            else:
                out = fast(*[None if g is None else g._data for g in grads])
            if out is not NotImplemented:
                out = _validate_arrays(node, out if type(out) is tuple else (out,), _make)
                if _anomaly["enabled"] and _anomaly["check_nan"]:
                    for i, g in enumerate(out):
                        if g is not None:
                            _check_anomaly(node, i, g)
        if out is NotImplemented:
            out = node._call_backward(grads)
            if type(out) is not tuple:
                out = (out,) if not isinstance(out, list) else tuple(out)
            out = _validate(node, out)
    except Exception:
        if _anomaly["enabled"]:
            _warn_trace(node)       # where the failing node was made, as PyTorch does
        raise
    post = d.get("_post_hooks")
    if post:
        for h in list(post.values()):
            r = h(out, tuple(grads))
            if r is not None:
                out = tuple(r)
    if not keep_graph:
        node._release()
    return out


def _materialize(node, grads):
    from ..tensor import _make
    meta = node.__dict__.get("_output_meta")
    if meta is None:
        return grads
    return [g if g is not None else _make(xp.zeros(shape, dtype))
            for g, (shape, dtype, xp) in zip(grads, meta)]


def _validate(node, out):
    Tensor = _Tensor or _tensor_cls()
    nexts = node._next
    n = len(nexts)
    if len(out) != n:
        if len(out) > n and all(g is None for g in out[n:]):
            out = out[:n]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(out)})")
    fixed = None
    for i, g in enumerate(out):
        if g is None or nexts[i] is None:
            if g is not None:
                if fixed is None:
                    fixed = list(out)
                fixed[i] = None
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"function {node.name()} returned a gradient of type "
                            f"{type(g).__name__} at index {i}; expected a Tensor or None")
        edge = nexts[i]
        shape, dtype = edge[2], edge[3]
        data = g._data
        if data.shape != shape:
            if not _reducible(data.shape, shape):
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at "
                                   f"index {i} - got {list(data.shape)} but expected shape "
                                   f"compatible with {list(shape)}")
            g = SumToShape.apply(g, shape)
        if g._data.dtype != dtype:
            g = Cast.apply(g, dtype)
        if _anomaly["enabled"] and _anomaly["check_nan"]:
            _check_anomaly(node, i, g)
        if g is not out[i]:
            if fixed is None:
                fixed = list(out)
            fixed[i] = g
    return out if fixed is None else tuple(fixed)


def _check_anomaly(node, i, g):
    xp = g._array_module
    if bool(xp.isnan(g._data).any()):
        trace = _warn_trace(node)
        msg = f"Function '{node.name()}' returned nan values in its {i}th output."
        if trace:
            # PyTorch only warns with the trace; in the message it survives logging too.
            msg += "\nTraceback of forward call that caused the error:\n" + trace
        raise RuntimeError(msg)


def _warn_trace(node):
    """PyTorch's anomaly-mode warning: the stack of the forward call that made ``node``."""
    trace = node.__dict__.get("_creation_trace")
    if trace:
        import warnings
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that "
                      f"caused the error:\n{trace}", UserWarning, stacklevel=4)
    return trace


def _run_accumulate(node, g, needed, captures, captured, pending):
    leaf = node._leaf()
    if leaf is None:
        return
    extra = leaf._extra
    hooks = extra.get("hooks") if extra else None
    if hooks:
        for h in list(hooks.values()):
            g = _call_hook(h, g)
    if captures is not None:
        idx = captures.get((node, 0))
        if idx is not None:
            for i in idx:
                captured[i] = g
        return
    pending.append((leaf, g, _LEAF))


def _LEAF(t, g, create_graph):
    """``t.grad += g`` with PyTorch's AccumulateGrad rules."""
    current = t._grad
    if current is None:
        if create_graph:
            # Under create_graph the stored gradient is a clone that records its history.
            t._grad = g.clone()
        elif _sole_holder(g):
            t._grad = g if g._extra is None and not g._requires_grad else _make(g._data)
        else:
            t._grad = _make(g._data.copy())
    elif create_graph or current._requires_grad:
        t._grad = current + g
    else:
        data = current._data
        if data.base is None and (type(data) is not np.ndarray or data.flags.writeable):
            data += g._data
            current._version[0] += 1
        else:
            t._grad = _make(data + g._data)


def _RETAINED(t, g, create_graph):
    """A non-leaf's ``.grad`` after ``retain_grad()``: a copy, then out-of-place sums."""
    current = t._grad
    t._grad = g.clone() if current is None else current + g


def _sole_holder(g, _counts=False):
    """True when nothing outside this accumulation holds ``g`` or its array, so the leaf can
    adopt it instead of copying (PyTorch's use-count check).

    The references this call path holds itself (``g`` in ``_execute``'s loop and in
    ``_LEAF``, ``data`` here, the arguments of getrefcount) are not counted by hand: they are
    measured once by :func:`_calibrate` on a fresh tensor passed down the same path, so the
    check follows the interpreter's own reference counting. Anything else (another pending
    entry, another leaf's ``.grad``, a hook's or a user's reference, a view, another tensor on
    the same array) raises a count. A view (``base``) may alias memory that is not counted.
    """
    data = g._data
    if getattr(data, "base", None) is not None:
        return False
    counts = (_getrefcount(g), _getrefcount(data))
    if _counts:
        return counts
    limits = _limits or _calibrate()
    return counts[0] <= limits[0] and counts[1] <= limits[1]


_limits = None


def _calibrate():
    global _limits
    from ..tensor import _make
    g = _make(np.empty(1))          # held only by this frame, as _execute holds its g
    _limits = _probe_leaf(None, g, False)
    return _limits


def _probe_leaf(t, g, create_graph):
    # Stands where _LEAF stands between _execute and the check.
    return _sole_holder(g, True)
