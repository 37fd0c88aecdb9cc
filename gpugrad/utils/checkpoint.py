"""Activation checkpointing: keep a function's inputs, recompute its activations in backward.

``checkpoint(fn, *args)`` runs ``fn`` so that the nodes it records keep none of their saved
activations: each saved tensor is replaced by a handle (through saved-tensor hooks). The first
time backward unpacks one, ``fn`` runs again on the same inputs, with the random number
generators set back to where they were, and the handles are filled from that recomputation
(which stops as soon as the last of them is back, and checks each one's shape and dtype).
Memory held for backward falls from every activation inside ``fn`` to its inputs, for the
price of a second forward. ``use_reentrant=True`` is the older scheme: one custom node whose
backward recomputes ``fn`` and runs a nested backward through it.

Example::

    >>> from gpugrad.utils.checkpoint import checkpoint, checkpoint_sequential
    >>> block = gg.nn.Sequential(gg.nn.Linear(64, 64), gg.nn.ReLU(), gg.nn.Linear(64, 64))
    >>> x = gg.randn(8, 64, requires_grad=True)
    >>> checkpoint(block, x).sum().backward()          # x.grad and the weights' grads as usual
    >>> y = checkpoint_sequential(list(block), 2, x)  # two segments; the last one not recomputed
"""
import contextlib
import warnings

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..autograd.saved_hooks import saved_tensors_hooks
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]

_AGAIN = ("The checkpointed function must record the same ops when it runs again (no "
          "data-dependent control flow that changes between runs, no global state it changes).")
_MISMATCH = ("checkpoint: a different number of tensors was saved during the original forward "
             "({}) and the recomputation ({}). " + _AGAIN)
_METADATA = ("checkpoint: recomputed tensor {} has shape {} and dtype {}, but {} and {} during "
             "the forward pass. " + _AGAIN)


# --------------------------------------------------------------------------- random state
class _RngState:
    """Where the generators stood when the checkpointed function first ran.

    cpu: the default generator's state, set back for the recomputation. cuda: CuPy's generator
    state cannot be captured, so the function draws from a fork of each device generator
    (seeded by one draw from it) and the recomputation from an identical fork: forward and
    recomputation see the same numbers, which differ from an uncheckpointed run's.
    """

    def __init__(self, args):
        from .. import random
        self.cpu = random.get_rng_state()
        self.cuda = {}
        for a in args:
            if isinstance(a, Tensor) and a.is_cuda:
                index = a.device.index or 0
                if index not in self.cuda:
                    gen = random._generator_for(a.device)
                    self.cuda[index] = int(gen._draw("randint", (1,), np.int64, 0,
                                                     2 ** 62)[0])

    def forks(self):
        """Install fresh forks of the cuda generators; returns what to put back."""
        from .. import random
        return random._install_cuda_forks(self.cuda)

    @staticmethod
    def restore_forks(saved):
        from .. import random
        random._restore_cuda_forks(saved)


class _Replay:
    """Run a block with the generators as they were in forward; put them back afterwards."""

    def __init__(self, rng):
        self.rng = rng

    def __enter__(self):
        from .. import random
        if self.rng is None:
            return
        self.cpu_now = random.get_rng_state()
        random.set_rng_state(self.rng.cpu)
        self.forks = self.rng.forks()

    def __exit__(self, *exc):
        from .. import random
        if self.rng is None:
            return
        random.set_rng_state(self.cpu_now)
        _RngState.restore_forks(self.forks)


def _detached(args):
    """The inputs as fresh leaves (same storage, same requires_grad) for a recomputation."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            d = a.detach()
            d._requires_grad = a._requires_grad
            out.append(d)
        else:
            out.append(a)
    return out


# --------------------------------------------------------------------------- non-reentrant
class _StopRecomputation(Exception):
    """Raised inside a recomputation once every needed tensor is back (the rest is skipped)."""


class _Handle:
    """What a node keeps in place of a saved activation: where to find it once recomputed."""

    __slots__ = ("frame", "index")

    def __init__(self, frame, index):
        self.frame = frame
        self.index = index


class _Frame:
    """One checkpointed call: its inputs, the generators' state, and the recomputed tensors.

    It holds no output of the call (an output points at its node, whose handles point here),
    so nothing it holds forms a reference cycle.
    """

    def __init__(self, fn, args, kwargs, rng, recompute_context=None, check=True,
                 early_stop=True):
        self.fn, self.args, self.kwargs, self.rng = fn, args, kwargs, rng
        self.recompute_context = recompute_context or contextlib.nullcontext()
        self.check, self.early_stop = check, early_stop
        self.n_packed = 0
        self.handles = {}        # index of each save replaced by a handle -> (shape, dtype)
        self.storage = {}        # index -> recomputed tensor, until backward takes it

    def pack(self, t):
        i = self.n_packed
        self.n_packed = i + 1
        for a in self.args:
            if t is a:
                return t         # an input is kept anyway (to recompute from): save it as is
        self.handles[i] = (t.shape, t.dtype)
        return _Handle(self, i)

    @staticmethod
    def unpack(packed):
        if type(packed) is not _Handle:
            return packed
        frame = packed.frame
        if packed.index not in frame.storage:
            frame.recompute()
        return frame.storage.pop(packed.index)

    def recompute(self):
        counter = [0]
        storage = {}
        handles = self.handles
        last = max(handles)

        def pack(t):
            i = counter[0]
            counter[0] = i + 1
            meta = handles.get(i)
            if meta is not None:
                if self.check and (t.shape, t.dtype) != meta:
                    raise RuntimeError(_METADATA.format(i, t.shape, t.dtype, *meta))
                storage[i] = t.detach()
                if i == last and self.early_stop:
                    # Everything backward needs is back: the rest of the function (its
                    # output, say) would only take memory and time.
                    raise _StopRecomputation
            return None

        def unpack(_):
            raise RuntimeError("checkpoint: the recomputed graph is not differentiable")

        args = _detached(self.args)
        try:
            with enable_grad(), _Replay(self.rng), self.recompute_context, \
                    saved_tensors_hooks(pack, unpack):
                self.fn(*args, **self.kwargs)
        except _StopRecomputation:
            pass
        if len(storage) != len(handles):
            raise RuntimeError(_MISMATCH.format(self.n_packed, counter[0]))
        self.storage = storage


def _checkpoint_hooks(fn, args, kwargs, preserve_rng_state, context_fn=None,
                      determinism_check="default", early_stop=True):
    if determinism_check not in _DETERMINISM_CHECKS:
        raise ValueError(f"determinism_check should be one of {list(_DETERMINISM_CHECKS)}, "
                         f"but got {determinism_check}")
    forward_context, recompute_context = (context_fn or noop_context_fn)()
    rng = _RngState(args) if preserve_rng_state else None
    frame = _Frame(fn, args, kwargs, rng, recompute_context,
                   check=determinism_check == "default", early_stop=early_stop)
    forks = rng.forks() if rng is not None else {}
    try:
        with forward_context, saved_tensors_hooks(frame.pack, _Frame.unpack):
            return fn(*args, **kwargs)
    finally:
        if rng is not None:
            # Forward used the cuda forks too; the device generators carry on from their draw.
            _RngState.restore_forks(forks)


# --------------------------------------------------------------------------- reentrant
class _CheckpointFunction(Function):
    """One node for the whole call; its backward recomputes and runs a nested backward."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng = _RngState(args) if preserve_rng_state else None
        ctx.tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_pos])
        forks = ctx.rng.forks() if ctx.rng is not None else {}
        try:
            with no_grad():
                return run_function(*args)
        finally:
            if ctx.rng is not None:
                _RngState.restore_forks(forks)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd.engine import backward
        args = list(ctx.others)
        for i, t in zip(ctx.tensor_pos, ctx.saved_tensors):
            args[i] = t
        inputs = _detached(args)
        with enable_grad(), _Replay(ctx.rng):
            outputs = ctx.run_function(*inputs)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        outs, gs = [], []
        for o, g in zip(outputs, grads):
            if isinstance(o, Tensor) and o.requires_grad and g is not None:
                outs.append(o)
                gs.append(g)
        if not outs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                               "not necessary")
        backward(outs, gs)
        return (None, None) + tuple(d.grad if isinstance(d, Tensor) else None for d in inputs)


# --------------------------------------------------------------------------- public
# What the recomputation checks of each tensor it gives back, by determinism_check.
_DETERMINISM_CHECKS = ("default", "none")


def noop_context_fn():
    """The default ``context_fn``: no context around forward or the recomputation."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def checkpoint(function, *args, use_reentrant=False, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True,
               preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, keeping only its inputs for backward and recomputing the rest.

    Gradients equal those of the plain call. With ``preserve_rng_state`` (the default) the
    recomputation draws the same random numbers (dropout masks agree). ``use_reentrant=True``
    takes tensors only as positional arguments, needs an input that requires grad, and works
    with ``.backward()`` but not with ``gg.autograd.grad``. With grad mode off, ``function``
    simply runs.

    As in PyTorch (non-reentrant only): ``context_fn`` returns two context managers, one
    around the forward call and one around the recomputation; ``determinism_check="none"``
    skips the check that recomputed tensors have their first shapes and dtypes;
    ``early_stop=False`` runs every recomputation to the end. ``debug`` is accepted and has
    no effect.

    Example::

        >>> y = checkpoint(lambda a, b: (a @ b).relu() @ b, x, w, use_reentrant=False)
        >>> y.sum().backward()
    """
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant and (context_fn is not noop_context_fn or debug is not False):
        raise ValueError("Passing `context_fn` or `debug` is only supported when "
                         "use_reentrant=False.")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    if not use_reentrant:
        return _checkpoint_hooks(function, args, kwargs, preserve_rng_state, context_fn,
                                 determinism_check, early_stop)
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      UserWarning, stacklevel=2)
    return _CheckpointFunction.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=False, **kwargs):
    """Run ``functions`` (a list or ``nn.Sequential``) in ``segments`` pieces, checkpointing all
    but the last, as ``torch.utils.checkpoint.checkpoint_sequential``.

    Example::

        >>> model = gg.nn.Sequential(*[gg.nn.Linear(64, 64) for _ in range(8)])
        >>> out = checkpoint_sequential(model, 4, gg.randn(2, 64, requires_grad=True))
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)

    def run_function(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1)(input)
