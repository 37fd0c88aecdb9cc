"""Hooks on what autograd saves for backward: ``saved_tensors_hooks`` and ``save_on_cpu``.

Exported as ``gg.autograd.graph.saved_tensors_hooks`` and ``gg.autograd.graph.save_on_cpu``,
with PyTorch's semantics: while the context is active, every tensor an op saves for backward
is passed to ``pack_hook`` and the node keeps what it returns; backward gets
``unpack_hook(packed)`` in its place. The hooks are per thread and nest (the innermost pair
wins). Activation checkpointing (``gg.utils.checkpoint``) is built on them.

Example::

    >>> def pack(t):
    ...     return t.detach().numpy().copy()     # keep a NumPy copy instead of the tensor
    >>> def unpack(a):
    ...     return gg.tensor(a)
    >>> x = gg.randn(3, requires_grad=True)
    >>> with gg.autograd.graph.saved_tensors_hooks(pack, unpack):
    ...     y = (x * x).sum()
    >>> y.backward()
"""
import numpy as np

from . import graph

__all__ = ["saved_tensors_hooks", "save_on_cpu"]


class saved_tensors_hooks:
    """Pack each tensor saved for backward with ``pack_hook``; unpack it when backward runs.

    ``pack_hook(tensor) -> anything``; ``unpack_hook(anything) -> tensor`` must give back a
    tensor with the same value (the in-place check still compares the original's version).
    The unpacked tensor gets the original's autograd history back (as in PyTorch), so a
    second-order backward through packed tensors still differentiates through them.

    Example::

        >>> count = []
        >>> with gg.autograd.graph.saved_tensors_hooks(lambda t: count.append(1) or t,
        ...                                            lambda t: t):
        ...     y = gg.ones(2, requires_grad=True).exp()
        >>> len(count)
        1
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        graph._push_saved_hooks(self.pack_hook, self.unpack_hook)
        return self

    def __exit__(self, *exc):
        graph._pop_saved_hooks()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keep tensors saved for backward in host memory; copy them back to the GPU in backward.

    With ``pin_memory=True`` the host copies go to page-locked memory. cpu tensors pass through
    untouched (no copy; the node keeps a history-free alias of the same storage).

    Example::

        >>> with gg.autograd.graph.save_on_cpu(pin_memory=True):
        ...     loss = model(x).sum()          # activations wait in host memory
        >>> loss.backward()                    # and come back one node at a time
    """

    def __init__(self, pin_memory=False, device_type="cuda"):
        self.pin_memory = pin_memory
        super().__init__(self._pack, _unpack)

    def _pack(self, tensor):
        from ..tensor import _make
        data = tensor._data
        if isinstance(data, np.ndarray):
            # An alias without grad_fn: a saved output keeps no reference back to its node.
            return (None, tensor.detach())
        if self.pin_memory:
            import cupyx
            host = cupyx.empty_pinned(data.shape, dtype=data.dtype)
            data.get(out=host)
        else:
            host = data.get()
        return (data.device.id, _make(host))


def _unpack(packed):
    index, t = packed
    if index is None:
        return t
    from ..backend import cuda
    from ..tensor import _make
    cp = cuda._cupy()
    with cp.cuda.Device(index):
        return _make(cp.asarray(t._data))
