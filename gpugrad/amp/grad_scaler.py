"""``GradScaler``: dynamic loss scaling for float16 training, as ``torch.amp.GradScaler``.

The loss is multiplied by a scale before backward so small float16 gradients do not flush
to zero; ``step`` divides the gradients by it again and skips the optimizer step when any
gradient is inf or nan; ``update`` halves the scale after such a step and doubles it after
``growth_interval`` clean steps in a row. The scale is a float32 0-d tensor on the device of
the first scaled output, and the arithmetic (float32 scale, float64 reciprocal, factors
applied in double) follows PyTorch's kernels, so the scale trajectory is the same.
"""
from collections import defaultdict
from enum import Enum
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..backend import get_array_module

__all__ = ["OptState", "GradScaler"]


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _full(value, dtype, device):
    from ..ops import full
    return full((), value, dtype=dtype, device=device)


class GradScaler:
    """Scale the loss, unscale and check the gradients, skip bad steps, adapt the scale.

    ``device`` is 'cuda' (the default; without a GPU it warns and disables itself, as
    PyTorch's) or 'cpu'. When disabled, ``scale`` returns its input, ``step`` just calls
    ``optimizer.step()`` and the other methods do nothing.

    Example::

        >>> model = gg.nn.Linear(3, 1)
        >>> opt = gg.optim.SGD(model.parameters(), lr=0.1)
        >>> scaler = gg.amp.GradScaler('cpu', init_scale=1024.0)
        >>> loss = model(gg.ones(2, 3)).sum()
        >>> scaler.scale(loss).backward()
        >>> scaler.step(opt)
        >>> scaler.update()
        >>> scaler.get_scale()
        1024.0
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if self._device == "cuda":
            from ..backend import cuda
            if enabled and not cuda.is_available():
                warnings.warn("gpugrad.cuda.amp.GradScaler is enabled, but CUDA is not "
                              "available.  Disabling.", stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None              # made on the first scale(), on the loss's device
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname):
        fix = ("This may indicate your script did not use scaler.scale(loss or outputs) "
               "earlier in the iteration.")
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        if self._growth_tracker is not None:
            raise AssertionError("_growth_tracker initialized before _scale")
        self._scale = _full(self._init_scale, _dt.float32, dev)
        self._growth_tracker = _full(self._init_growth_tracker, _dt.int32, dev)

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples of tensors) times the scale.

        Example::

            >>> scaler = gg.amp.GradScaler('cpu', init_scale=8.0)
            >>> scaler.scale([gg.tensor(1.0), (gg.tensor(2.0),)])
            [tensor(8.), (tensor(16.),)]
        """
        if not self._enabled:
            return outputs
        from ..tensor import Tensor
        if isinstance(outputs, Tensor):
            if self._scale is None:
                self._lazy_init_scale_growth_tracker(outputs.device)
            return outputs * self._scale.to(device=outputs.device)

        def apply_scale(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                return val * self._scale.to(device=val.device)
            if isinstance(val, (list, tuple)):
                return type(val)(map(apply_scale, val))
            if hasattr(val, "__iter__") and not isinstance(val, (str, bytes)):
                return map(apply_scale, val)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, found_inf, allow_fp16):
        """Multiply every gradient by ``inv_scale`` in place; per device, a float32 0-d tensor
        that is 1.0 if some gradient there has an inf or nan."""
        from ..tensor import Tensor
        found = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if not isinstance(param, Tensor):
                        raise AssertionError(f"expected param to be gpugrad.Tensor, got "
                                             f"{type(param).__name__}")
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is _dt.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    dev = g.device
                    if dev not in found:
                        found[dev] = found_inf.to(device=dev, copy=True)
                    a = g._data
                    xp = get_array_module(a)
                    if not bool(xp.isfinite(a).all()):
                        found[dev]._data[...] = 1.0
                    inv = inv_scale._data.item()
                    if inv != 1.0:
                        # float32 arithmetic, rounded to the gradient's dtype, as PyTorch's.
                        a[...] = a * np.float32(inv)
                        g._version[0] += 1
        return found

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale (once per step; ``step`` does it if
        you did not), e.g. before clipping them.

        Example::

            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            gg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
        """
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # The reciprocal in float64, then float32, as PyTorch (float32 division can be
        # imprecise under some compile options).
        inv = float(np.float32(1.0 / float(self._scale._data.item())))
        inv_scale = _full(inv, _dt.float32, self._scale.device)
        found_inf = _full(0.0, _dt.float32, self._scale.device)
        optimizer_state["found_inf_per_device"] = self._unscale_grads_(
            optimizer, inv_scale, found_inf, False)
        optimizer_state["stage"] = OptState.UNSCALED

    def _maybe_opt_step(self, optimizer, optimizer_state, *args, **kwargs):
        retval = None
        if not sum(v.item() for v in optimizer_state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        return retval

    def step(self, optimizer, *args, **kwargs):
        """Unscale the gradients (unless ``unscale_`` did) and run ``optimizer.step(*args,
        **kwargs)`` unless some gradient is inf or nan; returns what ``step`` returned."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._check_scale_growth_tracker("step")
        optimizer_state = self._per_optimizer_states[id(optimizer)]
        if optimizer_state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if optimizer_state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(optimizer_state["found_inf_per_device"]) == 0:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = self._maybe_opt_step(optimizer, optimizer_state, *args, **kwargs)
        optimizer_state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None):
        """Back the scale off if a step was skipped, grow it after ``growth_interval`` clean
        steps; or set it to ``new_scale`` (a float or a one-element tensor)."""
        if not self._enabled:
            return
        _scale, _growth_tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                _scale._data[...] = new_scale
            else:
                reason = ("new_scale should be a float or a 1-element gpugrad.cuda.FloatTensor "
                          "or gpugrad.FloatTensor with requires_grad=False.")
                if new_scale.device.type != self._device:
                    raise AssertionError(reason)
                if new_scale.numel() != 1:
                    raise AssertionError(reason)
                if new_scale.requires_grad is True:
                    raise AssertionError(reason)
                _scale._data[...] = new_scale._data.reshape(()).item()
        else:
            found_infs = [found_inf for state in self._per_optimizer_states.values()
                          for found_inf in state["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = sum(float(f._data.item()) for f in found_infs)
            self._update_scale(found)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _update_scale(self, found):
        """PyTorch's ``_amp_update_scale_``: the factors multiply in double, the result is
        stored as float32; growth only if the grown scale is finite."""
        scale = float(self._scale._data.item())
        tracker = int(self._growth_tracker._data.item())
        if found:
            scale = float(np.float32(scale * self._backoff_factor))
            tracker = 0
        else:
            successful = tracker + 1
            if successful == self._growth_interval:
                with np.errstate(over="ignore"):      # an infinite scale is refused below
                    grown = np.float32(scale * self._growth_factor)
                if np.isfinite(grown):
                    scale = float(grown)
                tracker = 0
            else:
                tracker = successful
        self._scale._data[...] = scale
        self._growth_tracker._data[...] = tracker

    def _get_scale_async(self):
        return self._scale

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if self._enabled:
            return (self._init_scale if self._scale is None
                    else float(self._scale._data.item()))
        return 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if self._enabled:
            return (self._init_growth_tracker if self._growth_tracker is None
                    else int(self._growth_tracker._data.item()))
        return 0

    def is_enabled(self):
        """Whether this scaler scales (False when disabled or without CUDA for 'cuda')."""
        return self._enabled

    def state_dict(self):
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and
        ``_growth_tracker``, as PyTorch's; empty when disabled.

        Example::

            >>> gg.amp.GradScaler('cpu').state_dict()['scale']
            65536.0
        """
        if self._enabled:
            return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                    "backoff_factor": self._backoff_factor,
                    "growth_interval": self._growth_interval,
                    "_growth_tracker": self._get_growth_tracker()}
        return {}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale._data[...] = state_dict["scale"]
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker._data[...] = state_dict["_growth_tracker"]

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the "
                                     "beginning of an iteration, or at the end after "
                                     "scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
