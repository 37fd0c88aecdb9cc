"""Optimizer: parameter groups, per-parameter state, and state dicts in PyTorch's format.

Example::

    >>> w = gg.zeros(3, requires_grad=True)
    >>> opt = gg.optim.SGD([w], lr=0.1)
    >>> (w - 1).square().sum().backward()
    >>> opt.step(); opt.zero_grad()
    >>> w
    tensor([0.2000, 0.2000, 0.2000], requires_grad=True)

Subclasses implement ``_update(group, param, grad)``, which changes ``param``'s storage and
its state in place, and a ``step`` that calls :meth:`Optimizer._run_step`. The base class
checks every gradient before any update, so a step that raises changes nothing.
"""
import copy
import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.graph import add_hook
from ..tensor import Tensor, _make
from ..ops.inplace import _writable

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Marks a hyperparameter that every param group must give (``lr`` of a custom optimizer)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_DUPLICATE_WARNING = ("optimizer contains a parameter group with duplicate parameters; in "
                      "future, this will cause an error; see "
                      "github.com/pytorch/pytorch/issues/40967 for more information")
_SET_ERROR = ("optimizer parameters need to be organized in ordered collections, but the "
              "ordering of tensors in sets will change between runs. Please use a list instead.")


class Optimizer:
    """Base class of all optimizers, as ``torch.optim.Optimizer``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param
    groups) with a ``'params'`` entry and per-group hyperparameters overriding ``defaults``.

    Example::

        >>> opt = gg.optim.SGD([{"params": [w1]}, {"params": [w2], "lr": 1e-3}], lr=1e-2)
        >>> [g["lr"] for g in opt.param_groups]
        [0.01, 0.001]
    """

    # State entries shaped like their parameter; loading checks their shapes.
    _per_element_state = ()

    def __init_subclass__(cls, **kwargs):
        # Every step, a user's optimizer's too, runs the step hooks (PyTorch patches step
        # the same way, when the first instance is made).
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_runs_step_hooks", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        # A set of parameters is taken in its iteration order (as PyTorch does here; a set
        # inside a group's dict is refused, below).
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (unset ones take defaults).

        As in PyTorch, the dict given becomes the group (filled in with the defaults), so
        changing it later changes the group; it is changed only once every check has passed.

        Example::

            >>> opt.add_param_group({"params": [head.weight], "lr": 1e-3})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_ERROR)
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        group = dict(param_group)
        group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            # As PyTorch: a warning, and such a parameter is stepped once per appearance.
            warnings.warn(_DUPLICATE_WARNING, UserWarning, stacklevel=3)
        existing = set()
        for other in self.param_groups:
            existing.update(id(p) for p in other["params"])
            if ("param_names" in group) != ("param_names" in other):
                which = "with names" if "param_names" in group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if existing.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        # Same keys first, in the same order: the caller's dict ends up equal to group.
        param_group.update(group)
        self.param_groups.append(param_group)
        return param_group

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                with no_grad():
                    g.zero_()

    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the
        loss. Implemented by each optimizer."""
        raise NotImplementedError

    def _run_step(self, closure):
        """What every ``step`` does: run closure, check every gradient, then update each
        parameter with ``self._update(group, param, grad_array)`` under no_grad."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = [(group, self._grads_of(group)) for group in self.param_groups]
        with no_grad():
            for group, pairs in work:
                self._prepare_group(group)
                for p, g in pairs:
                    self._update(group, p, g)
                    # The storage changed under any graph that saved it.
                    p._version[0] += 1
        return loss

    def _prepare_group(self, group):
        """Hook run once per group before its updates (hyperparameter conversion)."""

    def _grads_of(self, group):
        """(param, grad array) for the params of group that have a gradient, after checking
        that each gradient can update its parameter."""
        pairs = []
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"parameter gradient must be a Tensor, got {_typename(g)}")
            gd, pd = g._data, p._data
            if gd.shape != pd.shape:
                raise RuntimeError(f"gradient has shape {list(gd.shape)} but its parameter has "
                                   f"shape {list(pd.shape)}")
            if type(gd) is not type(pd) or (type(pd) is not np.ndarray and g.device != p.device):
                raise RuntimeError("Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {g.device} and {p.device}!")
            if gd.dtype != pd.dtype:
                raise RuntimeError(f"gradient has dtype {g.dtype} but its parameter has dtype "
                                   f"{p.dtype}")
            if pd.dtype.kind != "f":
                raise RuntimeError(f"{type(self).__name__} can only update floating point "
                                   f"parameters, got {p.dtype}")
            if not _writable(pd):
                raise RuntimeError("a parameter's storage is read-only and cannot be updated "
                                   "in place")
            pairs.append((p, gd))
        return pairs

    def _update(self, group, param, grad):
        raise NotImplementedError

    # ------------------------------------------------------------------ hooks
    def _hooks(self, name):
        """The ordered dict of hooks of one kind; made on first use (a pickled or deep-copied
        optimizer has none, as in PyTorch)."""
        hooks = self.__dict__.get(name)
        if hooks is None:
            hooks = self.__dict__[name] = OrderedDict()
        return hooks

    def _register(self, name, hook, prepend=False):
        hooks = self._hooks(name)
        handle = add_hook(hooks, hook)
        if prepend:
            hooks.move_to_end(handle._key, last=False)
        return handle

    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new
        ``(args, kwargs)``. Returns a handle whose ``remove()`` takes the hook out.

        Example::

            >>> handle = opt.register_step_pre_hook(lambda opt, args, kwargs: print("step"))
        """
        return self._register("_step_pre_hooks", hook)

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``."""
        return self._register("_step_post_hooks", hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Call ``hook(optimizer)`` before :meth:`state_dict` builds the dict."""
        return self._register("_state_dict_pre_hooks", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Call ``hook(optimizer, state_dict)`` on the dict :meth:`state_dict` built; a
        non-None result replaces it."""
        return self._register("_state_dict_post_hooks", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Call ``hook(optimizer, state_dict)`` (a shallow copy of the one given) before
        :meth:`load_state_dict` loads it; a non-None result is loaded instead."""
        return self._register("_load_state_dict_pre_hooks", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Call ``hook(optimizer)`` once :meth:`load_state_dict` has loaded a state."""
        return self._register("_load_state_dict_post_hooks", hook, prepend)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self):
        """The optimizer's state as ``{'state': {index: {...}}, 'param_groups': [...]}``.

        Parameters are numbered in order of appearance across groups, as in PyTorch; the
        state tensors are this optimizer's own (not copies), again as in PyTorch.

        Example::

            >>> sd = opt.state_dict()
            >>> sd["param_groups"][0]["params"]
            [0, 1]
        """
        for hook in self._hooks("_state_dict_pre_hooks").values():
            hook(self)
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._hooks("_state_dict_post_hooks").values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict` (possibly through ``gg.save``/``gg.load``).

        The groups must match this optimizer's in number and size. State tensors are copied
        to each parameter's device (and floating dtype). Everything is checked before
        anything changes, so a bad state dict leaves the optimizer as it was.
        """
        pre_hooks = self._hooks("_load_state_dict_pre_hooks")
        if pre_hooks:
            state_dict = state_dict.copy()
            for hook in pre_hooks.values():
                result = hook(self, state_dict)
                if result is not None:
                    state_dict = result
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("optimizer state dict must be a dict with 'state' and "
                             "'param_groups' entries")
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(s["params"] for s in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, k, v, self._per_element_state)
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            new = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                if default is not required:
                    new.setdefault(name, default)
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups
        for hook in self._hooks("_load_state_dict_post_hooks").values():
            hook(self)

    # ------------------------------------------------------------------ helpers for subclasses
    def _state_zeros_like(self, param, fill=0.0):
        """A state tensor shaped and laid out like ``param``, on its device."""
        xp_arr = param._data
        if fill == 0.0:
            return _make(_zeros_like_array(xp_arr))
        out = _zeros_like_array(xp_arr)
        out[...] = fill
        return _make(out)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            if i:
                lines.append("")        # PyTorch leaves a blank line between groups
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


# Step hooks of every optimizer, run before (after) each one's own.
_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` before the step of every optimizer; it may
    return new ``(args, kwargs)``. Returns a handle whose ``remove()`` takes it out.

    Example::

        >>> handle = gg.optim.optimizer.register_optimizer_step_pre_hook(
        ...     lambda opt, args, kwargs: print(type(opt).__name__))
    """
    return add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """Call ``hook(optimizer, args, kwargs)`` after the step of every optimizer."""
    return add_hook(_global_step_post_hooks, hook)


def _with_step_hooks(step):
    """``step`` running the global and the optimizer's step hooks around it, as PyTorch's
    ``args`` (the optimizer first) and ``kwargs``."""

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        if self.__dict__.get("_in_step"):
            # A subclass's step calling super().step(): the hooks already ran.
            return step(*args, **kwargs)
        for hook in itertools.chain(_global_step_pre_hooks.values(),
                                    self._hooks("_step_pre_hooks").values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._in_step = False
        for hook in itertools.chain(self._hooks("_step_post_hooks").values(),
                                    _global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._runs_step_hooks = True
    return wrapper


def _zeros_like_array(a):
    xp = np if type(a) is np.ndarray else _cupy_of(a)
    return xp.zeros_like(a)


def _cupy_of(a):
    from ..backend import get_array_module
    return get_array_module(a)


def _new_step_tensor(value=0.0):
    """The 'step' counter: a 0-d tensor on the cpu, as PyTorch keeps it (float32, or float64
    when that is the default dtype)."""
    npd = np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32
    return _make(np.array(value, dtype=npd))


def _step_value(state):
    """Increment state['step'] (a tensor or, from older state dicts, a number); its value."""
    step = state["step"]
    if isinstance(step, Tensor):
        step._data[...] += 1
        return float(step._data)
    state["step"] = _new_step_tensor(float(step) + 1)
    return float(step) + 1


def _cast_state(param, index, value, shaped, key=None):
    """A copy of one parameter's saved state, its tensors on the parameter's device."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.detach().clone() if value.device.type == "cpu" else value.cpu()
        if key in shaped and value._data.shape != param._data.shape:
            raise ValueError(f"loaded state dict has state '{key}' of shape "
                             f"{list(value._data.shape)} for parameter {index}, whose shape is "
                             f"{list(param._data.shape)}")
        out = value.detach()
        if param.is_floating_point() and out._data.dtype != param._data.dtype:
            out = out.to(param.dtype)
        if out.device != param.device:
            out = out.to(param.device)
        if out._data is value._data:
            out = out.clone()
        return out.detach()
    if isinstance(value, dict):
        return {k: _cast_state(param, index, v, shaped, key=k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, index, v, shaped) for v in value)
    return copy.deepcopy(value)


def _typename(obj):
    """The name PyTorch's messages give a value: a tensor's type() (``gpugrad.FloatTensor``),
    else the qualified name of its class."""
    if isinstance(obj, Tensor):
        return obj.type()
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_fused(fused, foreach):
    """PyTorch's check of the implementation flags (both are ignored here otherwise)."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_nonnegative(value, what):
    """PyTorch's hyperparameter check and message (``Invalid learning rate: -1``)."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")
