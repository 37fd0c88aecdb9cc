"""The backward engine: a dependency-counted walk over the graph, with no recursion.

One pass finds every node reachable from the roots and counts the edges into each; a node
runs once all its consumers have handed it their gradients. Gradients are summed per node
output, reduced to each input's shape and dtype here and nowhere else, passed through hooks,
and added into leaves by their ``AccumulateGrad`` nodes. Saved tensors are released after a
node runs unless ``retain_graph``.
"""
import numpy as np

from .graph import AccumulateGrad, _anomaly
from .grad_mode import _tls
from .broadcast import SumToShape, Cast

__all__ = ["backward", "grad"]


def _tensor_cls():
    from ..tensor import Tensor
    return Tensor


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _root_edges(outputs, grad_outputs, create_graph, fn_name):
    from ..tensor import _make
    Tensor = _tensor_cls()
    edges, grads = [], []
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{fn_name}: got {len(grad_outputs)} tensors and "
                           f"{len(outputs)} gradients")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{fn_name}: expected a Tensor, got {type(out).__name__}")
        if g is None:
            if out._requires_grad and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._requires_grad and out._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs"
                                   f" but got {out.dtype!r}")
            xp = out._array_module
            g = _make(xp.ones_like(out._data))
        else:
            if not isinstance(g, Tensor):
                g = _make(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                from ..tensor import Size
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{Size(g._data.shape)!r} and output[{i}] has a shape of "
                                   f"{Size(out._data.shape)!r}.")
            if not create_graph:
                g = g.detach()
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        fn = out.grad_fn
        edges.append((fn, out._output_nr) if fn is not None else (out._grad_accumulator(), 0))
        grads.append(g)
    return edges, grads


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
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_edges(tensors, grad_tensors, create_graph, "backward")
    targets = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        targets = [_input_edge(t, "backward") for t in inputs]
    captured = _execute(edges, grads, retain_graph, create_graph, targets, accumulate=True)
    if inputs is not None:
        for t, g in zip(inputs, captured):
            if g is not None and t.grad_fn is not None:
                _accumulate_into(t, g, create_graph, owned=False)


def _input_edge(t, fn_name):
    Tensor = _tensor_cls()
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn_name}: inputs must be Tensors, got {type(t).__name__}")
    if not t._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else (t._grad_accumulator(), 0)


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
    single_input = not isinstance(inputs, (tuple, list))
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_edges(outputs, grad_outputs, create_graph, "grad")
    targets = [_input_edge(t, "grad") for t in inputs]
    captured = _execute(edges, grads, retain_graph, create_graph, targets, accumulate=False)
    result = []
    for t, g in zip(inputs, captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                from ..tensor import _make
                g = _make(t._array_module.zeros_like(t._data))
        result.append(g)
    return tuple(result)


def _execute(root_edges, root_grads, keep_graph, create_graph, targets, accumulate):
    # 1. Find every node reachable from the roots and count the edges into each.
    roots = []
    for node, _ in root_edges:
        if node not in roots:
            roots.append(node)
    deps = {}
    seen = set(roots)
    stack = list(roots)
    parents = {} if targets is not None else None
    while stack:
        node = stack.pop()
        for edge in node._next:
            if edge is None:
                continue
            child = edge[0]
            deps[child] = deps.get(child, 0) + 1
            if parents is not None:
                parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)

    # 2. With targets, only nodes that lead to one of them need to run.
    needed = None
    captures = None
    if targets is not None:
        captures = {}
        for i, key in enumerate(targets):
            captures.setdefault(key, []).append(i)
        needed = set()
        frontier = [node for node, _ in targets if node in seen]
        while frontier:
            node = frontier.pop()
            if node in needed:
                continue
            needed.add(node)
            frontier.extend(parents.get(node, ()))
    captured = [None] * (len(targets) if targets is not None else 0)

    # 3. Seed the roots' buffers and walk.
    delivery = _Delivery()
    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        delivery.mark_shared(g._data)
        _add_to_buffer(buffers, node, nr, g)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    prev_mode = _tls.grad_enabled
    _tls.grad_enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            out = None
            if grads is not None:
                out = _run_node(node, grads, keep_graph, create_graph, needed, captures,
                                captured, accumulate, delivery)
            next_edges = node._next
            for i, edge in enumerate(next_edges):
                if edge is None:
                    continue
                child = edge[0]
                if out is not None:
                    g = out[i]
                    if g is not None:
                        delivery.mark(g._data)
                        _add_to_buffer(buffers, child, edge[1], g)
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    ready.append(child)
    finally:
        _tls.grad_enabled = prev_mode
    return captured


class _Delivery:
    """Which gradient arrays may be held elsewhere, so a leaf must copy instead of adopt."""

    __slots__ = ("once", "shared")

    def __init__(self):
        self.once = set()
        self.shared = set()

    def mark(self, array):
        key = id(array)
        if key in self.once:
            self.shared.add(key)
        else:
            self.once.add(key)

    def mark_shared(self, array):
        self.shared.add(id(array))

    def owned(self, array):
        return array.base is None and id(array) not in self.shared


def _add_to_buffer(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_outputs
    prev = buf[nr]
    buf[nr] = g if prev is None else prev + g


def _run_node(node, grads, keep_graph, create_graph, needed, captures, captured, accumulate,
              delivery):
    if type(node) is AccumulateGrad:
        _run_accumulate(node, grads[0], create_graph, needed, captures, captured, accumulate,
                        delivery)
        return None
    d = node.__dict__
    hooks = d.get("_tensor_hooks")
    if hooks:
        for nr, per_output in hooks.items():
            if grads[nr] is not None:
                for h in list(per_output.values()):
                    r = h(grads[nr])
                    if r is not None:
                        grads[nr] = r
    retain = d.get("_retain_grad_hooks")
    if retain:
        for nr, ref in retain.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                _accumulate_into(t, grads[nr], create_graph, owned=False)
    pre = d.get("_pre_hooks")
    if pre:
        for h in list(pre.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    if captures is not None:
        for nr in range(node._n_outputs):
            idx = captures.get((node, nr))
            if idx is not None:
                for i in idx:
                    captured[i] = grads[nr]
        if node not in needed:
            return None
    if node.materialize_grads and any(g is None for g in grads):
        grads = _materialize(node, grads)
    out = node._call_backward(grads)
    if type(out) is not tuple:
        out = (out,) if not isinstance(out, list) else tuple(out)
    out = _validate(node, out)
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
    Tensor = _tensor_cls()
    nexts = node._next
    n = len(nexts)
    if len(out) != n:
        if len(out) > n and all(g is None for g in out[n:]):
            out = out[:n]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(out)})")
    fixed = None
    meta = node._input_meta
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
        shape, dtype = meta[i]
        data = g._data
        if data.shape != shape:
            if not _reducible(data.shape, shape):
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at "
                                   f"index {i} - got {list(data.shape)} but expected shape "
                                   f"compatible with {list(shape)}")
            g = SumToShape.apply(g, shape)
        if g._data.dtype != dtype:
            g = Cast.apply(g, dtype)
        if _anomaly["enabled"]:
            _check_anomaly(node, i, g)
        if g is not out[i]:
            if fixed is None:
                fixed = list(out)
            fixed[i] = g
    return out if fixed is None else tuple(fixed)


def _reducible(src, dst):
    if len(src) < len(dst):
        return False
    for s, d in zip(src[len(src) - len(dst):], dst):
        if d != s and d != 1:
            return False
    return True


def _check_anomaly(node, i, g):
    xp = g._array_module
    if bool(xp.isnan(g._data).any()):
        trace = node.__dict__.get("_creation_trace")
        msg = f"Function '{node.name()}' returned nan values in its {i}th output."
        if trace:
            import warnings
            warnings.warn("Error detected in " + node.name() + ". Traceback of forward call "
                          "that caused the error:\n" + trace, RuntimeWarning, stacklevel=3)
            msg += "\nTraceback of forward call that caused the error:\n" + trace
        raise RuntimeError(msg)


def _run_accumulate(node, g, create_graph, needed, captures, captured, accumulate, delivery):
    leaf = node._leaf()
    if leaf is None:
        return
    extra = leaf._extra
    hooks = extra.get("hooks") if extra else None
    if hooks:
        for h in list(hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    if captures is not None:
        idx = captures.get((node, 0))
        if idx is not None:
            for i in idx:
                captured[i] = g
            return
        if not accumulate or node not in needed:
            return
    _accumulate_into(leaf, g, create_graph, owned=delivery.owned(g._data))


def _accumulate_into(t, g, create_graph, owned):
    """``t.grad += g`` with PyTorch's rules: detached unless create_graph; adopt or copy."""
    from ..tensor import _make
    current = t._grad
    if current is None:
        if create_graph:
            t._grad = g
        else:
            t._grad = _make(g._data if owned else g._data.copy())
    elif create_graph or current._requires_grad:
        t._grad = current + g
    else:
        data = current._data
        if data.base is None and data.flags.writeable if type(data) is np.ndarray else True:
            data += g._data
        else:
            t._grad = _make(data + g._data)
