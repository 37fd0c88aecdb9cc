"""Bytes held for backward: the storage that graph nodes' saved tensors keep alive.

The recorder calls :func:`account` once a node's saves are resolved and the node calls
:func:`released` when backward frees them; a node dropped without backward is caught by a
weakref callback. Each owning buffer counts once however many nodes hold it (an activation
that ReLU saves as its output and the next Linear saves as its input is one buffer), on the
device it lives on. What a saved-tensors pack hook returned is what is held: a Tensor (or a
tuple/list of them) counts, anything else (a checkpoint's recompute handle) holds nothing.

Owners under ``TRACK_MIN_BYTES`` are skipped, as for allocations, so recording a tiny op costs
one size test per saved tensor.
"""
import threading
import weakref

import numpy as np

from ._counters import TRACK_MIN_BYTES, Counters, host, owner

__all__ = ["account", "released", "saved_arrays", "node_saved_bytes", "device_counters"]

_ndarray = np.ndarray
_lock = threading.RLock()

# id(owner) -> [number of saves holding it, nbytes, Counters of its device]
_owners = {}
# id(node) -> (weakref to the node, tuple of the owner ids it holds)
_nodes = {}
# Counters of cuda devices by index (saved bytes only; allocations come from the pool).
_cuda = {}


def device_counters(index):
    """The Counters of cuda device ``index`` (created on first use)."""
    c = _cuda.get(index)
    if c is None:
        c = _cuda.setdefault(index, Counters())
    return c


class _NodeRef(weakref.ref):
    __slots__ = ("key",)


def _arrays_of(obj, out):
    """Append the arrays a packed object holds (Tensors, possibly in a tuple or list)."""
    data = getattr(obj, "_data", None)
    if data is not None and hasattr(data, "nbytes"):
        out.append(data)
    elif type(obj) is tuple or type(obj) is list:
        for item in obj:
            _arrays_of(item, out)


def saved_arrays(node):
    """The arrays ``node``'s saved tensors hold now (after any pack hook)."""
    saved = node.__dict__.get("_saved")
    arrays = []
    if not saved:
        return arrays
    for st in saved:
        if st is None:
            continue
        if st.unpack_hook is not None:
            _arrays_of(st.packed, arrays)
        elif st.is_output:
            arrays.append(st.data)
        elif st.tensor is not None:
            arrays.append(st.tensor._data)
    return arrays


def _owner_and_device(array):
    if isinstance(array, _ndarray):
        return owner(array), host
    root = array
    base = root.base
    while base is not None and hasattr(base, "__cuda_array_interface__"):
        root = base
        base = root.base
    return root, device_counters(root.device.id)


def node_saved_bytes(node):
    """Bytes of the distinct buffers this one node holds for backward (no size threshold)."""
    seen = {}
    for a in saved_arrays(node):
        root, _ = _owner_and_device(a)
        seen[id(root)] = root.nbytes
    return sum(seen.values())


def account(node, _min=TRACK_MIN_BYTES):
    """Count what a freshly recorded node holds for backward."""
    held = None
    for st in node._saved:
        if st is None:
            continue
        if st.unpack_hook is None:
            # The common case, kept cheap: one size test for a small saved tensor.
            a = st.data                      # an output's array, None for an input
            if a is None:
                a = st.tensor._data
            if a.nbytes < _min and a.base is None:
                continue
            arrays = (a,)
        else:
            arrays = []
            _arrays_of(st.packed, arrays)
        for a in arrays:
            root, counters = _owner_and_device(a)
            nbytes = root.nbytes
            if nbytes < TRACK_MIN_BYTES:
                continue
            if held is None:
                held = []
            key = id(root)
            held.append(key)
            with _lock:
                entry = _owners.get(key)
                if entry is None:
                    _owners[key] = [1, nbytes, counters]
                    counters.saved_current += nbytes
                    if counters.saved_current > counters.saved_peak:
                        counters.saved_peak = counters.saved_current
                else:
                    entry[0] += 1
    if held is not None:
        key = id(node)
        ref = _NodeRef(node, _node_freed)
        ref.key = key
        with _lock:
            _nodes[key] = (ref, tuple(held))


def _drop(held):
    with _lock:
        for key in held:
            entry = _owners.get(key)
            if entry is None:
                continue
            entry[0] -= 1
            if entry[0] == 0:
                del _owners[key]
                entry[2].saved_current -= entry[1]


def released(node):
    """Backward freed ``node``'s saved tensors."""
    if _nodes:
        item = _nodes.pop(id(node), None)
        if item is not None:
            _drop(item[1])


def _node_freed(ref):
    # The node died holding its saves (its graph was dropped without backward).
    with _lock:
        item = _nodes.get(ref.key)
        if item is None or item[0] is not ref:
            return
        del _nodes[ref.key]
    _drop(item[1])
