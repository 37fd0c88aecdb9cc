"""The state-dict machinery behind ``Module.state_dict`` and ``Module.load_state_dict``.

Each function takes the module as ``self``; the Module methods of the same names delegate
here, so subclasses still override ``_save_to_state_dict`` / ``_load_from_state_dict``.
"""
import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Size, Tensor
from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and those it did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def save_to_state_dict(self, destination, prefix, keep_vars):
    """This module's own parameters, persistent buffers and extra state into destination."""
    for name, p in self._parameters.items():
        if p is not None:
            destination[prefix + name] = p if keep_vars else p.detach()
    for name, b in self._buffers.items():
        if b is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = b if keep_vars else b.detach()
    if self._has_extra_state():
        destination[prefix + "_extra_state"] = self.get_extra_state()


def state_dict(self, args, destination, prefix, keep_vars):
    """``Module.state_dict``: this module's entries, then each child's under its name."""
    if args:   # the deprecated positional form: (destination, prefix, keep_vars)
        destination, prefix, keep_vars = (args + (destination, prefix,
                                                  keep_vars)[len(args):])[:3]
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    # Each module's format version travels with the checkpoint, so that a later release can
    # still read an older one (BatchNorm before num_batches_tracked, for one).
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = {"version": self._version}
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, m in self._modules.items():
        if m is not None:
            m.state_dict(destination=destination, prefix=prefix + name + ".",
                         keep_vars=keep_vars)
    return destination


def load_from_state_dict(self, state_dict, prefix, strict, missing_keys, unexpected_keys,
                         error_msgs, _pending=None):
    """Check this module's entries of state_dict; queue (or, alone, do) the copies."""
    persistent = {k: v for k, v in self._buffers.items()
                  if k not in self._non_persistent_buffers_set}
    local_state = {k: v for k, v in itertools.chain(self._parameters.items(),
                                                    persistent.items()) if v is not None}
    pending = [] if _pending is None else _pending
    for name, param in local_state.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, (Tensor, np.ndarray)):
            error_msgs.append(f'While copying the parameter named "{key}", expected '
                              f'gpugrad.Tensor or Tensor-like object from checkpoint but '
                              f'received {type(value)}')
            continue
        shape = tuple(value.shape)
        if param.ndim == 0 and len(shape) == 1:
            value, shape = value[0], ()
        if shape != tuple(param.shape):
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{Size(shape)!r} from checkpoint, the shape in current model "
                              f"is {param.shape!r}.")
            continue
        pending.append((self, name, value))
    extra_key = prefix + "_extra_state"
    if self._has_extra_state():
        if extra_key in state_dict:
            pending.append((self, None, state_dict[extra_key]))
        elif strict:
            missing_keys.append(extra_key)
    elif strict and extra_key in state_dict:
        unexpected_keys.append(extra_key)
    if strict:
        for key in state_dict:
            if key.startswith(prefix) and key != extra_key:
                head = key[len(prefix):].split(".", 1)
                if len(head) > 1:
                    if head[0] not in self._modules:
                        unexpected_keys.append(key)
                elif head[0] not in local_state:
                    unexpected_keys.append(key)
    if _pending is None and not error_msgs:
        _apply_loads(pending, assign=False)


def load_state_dict(self, state_dict, strict, assign):
    """``Module.load_state_dict``: check every module's entries, then copy all or nothing."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)   # modules may add keys; the caller's dict stays
    missing, unexpected, errors, pending = [], [], [], []
    for prefix, module in self.named_modules(remove_duplicate=False):
        local_metadata = {} if metadata is None else metadata.get(prefix, {})
        module._load_from_state_dict(state_dict, prefix + "." if prefix else "",
                                     local_metadata, True, missing, unexpected, errors,
                                     _pending=pending)
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(self).__name__, "\n\t".join(errors)))
    _apply_loads(pending, assign)
    return _IncompatibleKeys(missing, unexpected)


def _apply_loads(pending, assign):
    """Do the queued copies; each source is converted first, so a failure copies nothing."""
    prepared = []
    for module, name, value in pending:
        if name is None:
            prepared.append((module, None, value))
            continue
        target = module._parameters.get(name)
        if target is None:
            target = module._buffers[name]
        src = value if isinstance(value, Tensor) else Tensor(value)
        if assign:
            prepared.append((module, name, src.detach()))
            continue
        with no_grad():
            prepared.append((target, None, src.to(device=target.device,
                                                  dtype=target.dtype)._data))
    from .module import Module
    for target, name, payload in prepared:
        if isinstance(target, Module):
            if name is None:
                target.set_extra_state(payload)
            elif name in target._parameters:
                old = target._parameters[name]
                target._parameters[name] = Parameter(payload, old.requires_grad)
            else:
                target._buffers[name] = payload
        else:
            target._data[...] = payload
            target._version[0] += 1
