"""``gg.save`` / ``gg.load``: tensors and state dicts in safetensors files.

A mapping of names to tensors (a module's ``state_dict()``) is written as a plain safetensors
file that any safetensors reader takes (``safetensors.torch.load_file`` included). Anything
else made of dicts, lists, tuples, sets, numbers, strings, bytes and tensors (an optimizer's
or a scheduler's state dict, a checkpoint holding several) keeps its tensors in the same kind
of file and the rest of its structure as JSON in the file's metadata. Dicts, OrderedDicts,
Counters, lists, tuples and sets come back as what they were, as with PyTorch.

Writes are atomic: the bytes go to a temporary file in the target's directory, which then
replaces the target, so a crash mid-write leaves the old file whole. Loads check the whole
file before returning anything.

Example::

    >>> gg.save({"w": gg.ones(2, 3), "b": gg.zeros(3)}, "weights.safetensors")
    >>> gg.load("weights.safetensors")["w"].shape
    gpugrad.Size([2, 3])
    >>> gg.save({"model": model.state_dict(), "optim": opt.state_dict()}, "ckpt.safetensors")
"""
import base64
import json
import math
import os
import uuid
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes as _dt
from .backend import device as _parse_device
from .tensor import Tensor, _make

__all__ = ["save", "load"]

_META_KEY = "gpugrad"
# The newest format this module reads. Files are written in the oldest one that holds them:
# 1, or 2 when a structure holds an OrderedDict, a set or bytes (which format 1 readers would
# misread or refuse).
_FORMAT = 2
_INSTALL_HINT = ('gg.save and gg.load store tensors with the safetensors package, which is not '
                 'installed: pip install "gpugrad[weights]" (or pip install safetensors)')


def _safetensors():
    try:
        import safetensors
        import safetensors.numpy  # noqa: F401
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return safetensors


# ---------------------------------------------------------------------------------- saving
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` (tensors and plain Python structures holding them) to ``f``.

    ``f`` is a path (written atomically) or a binary file object. A ``{str: Tensor}``
    mapping becomes a plain safetensors file; other structures keep their non-tensor parts
    as JSON metadata. Views and non-contiguous tensors are saved by value; a tensor that
    appears twice in a structure is stored once and comes back as one tensor. PyTorch's
    pickling options are accepted and have no effect (nothing is pickled).

    Example::

        >>> gg.save(model.state_dict(), "model.safetensors")
    """
    st = _safetensors()
    packer = _Packer()
    if _is_flat_state_dict(obj):
        for name, t in obj.items():
            packer.add_named(name, t)
        info = {"format": 1, "keys": list(obj)}
        if type(obj) is OrderedDict:
            info["ordered"] = True      # a module's state_dict() comes back as one
    else:
        tree = packer.encode(obj, [])
        info = {"format": packer.format, "tree": tree}
    if packer.tensor_info:
        info["tensors"] = packer.tensor_info
    data = st.numpy.save(packer.arrays, metadata={_META_KEY: json.dumps(info)})
    if hasattr(f, "write"):
        f.write(data)
    else:
        _atomic_write(os.fspath(f), data)


def _is_flat_state_dict(obj):
    return type(obj) in (dict, OrderedDict) and all(
        isinstance(k, str) and (type(v) is Tensor or _is_parameter(v)) for k, v in obj.items())


def _is_parameter(v):
    return isinstance(v, Tensor) and type(v).__name__ == "Parameter"


class _Packer:
    """Collects arrays under unique names and encodes the structure around them as JSON."""

    def __init__(self):
        self.arrays = {}
        self.tensor_info = {}
        self._by_id = {}
        self.format = 1

    def add_named(self, name, t):
        data = t._data
        if type(data) is not np.ndarray:
            data = data.get()                   # device to host
        # safetensors writes raw memory: views and strided tensors must be made contiguous.
        self.arrays[name] = _contiguous(data)
        info = {}
        if t.device.type != "cpu":
            info["device"] = str(t.device)
        if t.requires_grad:
            info["requires_grad"] = True
        if _is_parameter(t):
            info["parameter"] = True
        if info:
            self.tensor_info[name] = info
        self._by_id[id(t)] = name
        return name

    def _unique(self, path):
        base = ".".join(path) or "tensor"
        name, n = base, 1
        while name in self.arrays:
            name, n = f"{base}#{n}", n + 1
        return name

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            name = self._by_id.get(id(obj))
            if name is None:
                name = self.add_named(self._unique(path), obj)
            return {"__tensor__": name}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            obj = float(obj)
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.ndarray):
            name = self._unique(path)
            self.arrays[name] = _contiguous(obj)
            return {"__ndarray__": name}
        if isinstance(obj, _dt.dtype):
            return {"__dtype__": obj.name}
        if type(obj).__name__ == "Device" and hasattr(obj, "type"):
            return {"__device__": str(obj)}
        if isinstance(obj, (list, tuple)):
            items = [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]
            return {"__tuple__": items} if isinstance(obj, tuple) else items
        if isinstance(obj, (set, frozenset)):
            self.format = 2
            tag = "__frozenset__" if isinstance(obj, frozenset) else "__set__"
            return {tag: [self.encode(v, path) for v in obj]}
        if isinstance(obj, (bytes, bytearray)):
            self.format = 2
            tag = "__bytearray__" if isinstance(obj, bytearray) else "__bytes__"
            return {tag: base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, dict):
            pairs = [(k, self.encode(v, path + [str(k)])) for k, v in obj.items()]
            if isinstance(obj, Counter):
                return {"__counter__": [[self.encode(k, path), v] for k, v in pairs]}
            if isinstance(obj, OrderedDict):
                self.format = 2
                return {"__ordered__": [[self.encode(k, path), v] for k, v in pairs]}
            if all(isinstance(k, str) and not k.startswith("__") for k, _ in pairs):
                return dict(pairs)
            # Non-string keys (an optimizer's state is keyed by parameter index).
            return {"__dict__": [[self.encode(k, path), v] for k, v in pairs]}
        where = ".".join(path) or "the top level"
        raise TypeError(f"gg.save cannot store an object of type {type(obj).__name__} "
                        f"(at {where}); it stores tensors, numbers, strings, bytes, None, "
                        "and lists, tuples, sets and dicts of them")


def _contiguous(a):
    # Not np.ascontiguousarray, which turns 0-d arrays into 1-d ones.
    return a if a.flags.c_contiguous else a.copy(order="C")


def _atomic_write(path, data):
    """Write data to path through a temporary file in the same directory and os.replace."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # Created with mode 0o666 so the umask applies, as for a file opened with open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------------- loading
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Read what :func:`save` wrote (or any safetensors file) back into the same structure.

    ``map_location``: None puts each tensor on the device it was saved from (cpu for files
    from other writers); ``'cpu'``, ``'cuda'``, ``'cuda:1'`` or a ``gg.device`` puts every
    tensor there; a dict maps saved device names to new ones; a function
    ``map_location(tensor, saved_device_name)`` (PyTorch's older form, called with each
    tensor on the cpu) gives the tensor to use, or None for the saved device. An empty,
    truncated or foreign file raises ``RuntimeError`` naming it; nothing partial is ever
    returned. ``weights_only``, ``mmap`` and the pickling options are accepted for PyTorch
    compatibility: loading never runs code from the file.

    Example::

        >>> sd = gg.load("model.safetensors", map_location="cpu")
        >>> model.load_state_dict(sd)
    """
    st = _safetensors()
    _check_map_location(map_location)
    if hasattr(f, "read"):
        name = getattr(f, "name", "<file object>")
        data = f.read()
    else:
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    if not data:
        raise RuntimeError(f"cannot load {name!r}: the file is empty")
    try:
        views = st.deserialize(data)
        metadata = _header(data).get("__metadata__") or {}
    except Exception as e:   # safetensors' own error type varies between versions
        raise RuntimeError(f"cannot load {name!r}: not a safetensors file, or a truncated or "
                           f"damaged one ({e})") from None
    arrays = {}
    for key, view in views:
        npd = _SAFETENSORS_DTYPES.get(view["dtype"])
        if npd is None:
            raise RuntimeError(f"cannot load {name!r}: tensor {key!r} has dtype "
                               f"{view['dtype']}, which gpugrad does not support")
        arr = np.frombuffer(view["data"], dtype=npd).reshape(view["shape"])
        # Tensors are written in place (optimizers, load_state_dict): they need their own
        # writable memory, which some safetensors versions' buffers are not.
        arrays[key] = arr if arr.flags.writeable else arr.copy()
    try:
        info = json.loads(metadata[_META_KEY]) if _META_KEY in metadata else {}
        return _Unpacker(arrays, info, map_location, name).result()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise RuntimeError(f"cannot load {name!r}: its gpugrad metadata is damaged "
                           f"({type(e).__name__}: {e})") from None


def _check_map_location(map_location):
    # Checked before reading, so that a bad argument is not reported as a damaged file.
    if callable(map_location) and not isinstance(map_location, (str, dict)):
        return
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if target is None:
            continue
        try:
            _parse_device(target)
        except (TypeError, RuntimeError) as e:
            raise ValueError(f"map_location must name a device: {e}") from None


_SAFETENSORS_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16,
                       "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
                       "U8": np.uint8, "BOOL": np.bool_}


def _header(data):
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + n])


class _Unpacker:
    def __init__(self, arrays, info, map_location, name):
        self.arrays = arrays
        self.info = info
        self.tensor_info = info.get("tensors", {})
        self.map_location = map_location
        self.name = name
        self._made = {}

    def result(self):
        if self.info.get("format", _FORMAT) > _FORMAT:
            raise RuntimeError(f"cannot load {self.name!r}: written by a newer gpugrad "
                               f"(format {self.info['format']})")
        if "tree" in self.info:
            return self.decode(self.info["tree"])
        keys = self.info.get("keys")
        if keys is None or set(keys) != set(self.arrays):
            keys = list(self.arrays)
        mapping = OrderedDict if self.info.get("ordered") else dict
        return mapping((k, self.tensor(k)) for k in keys)

    def tensor(self, key):
        t = self._made.get(key)
        if t is not None:
            return t
        if key not in self.arrays:
            raise KeyError(f"tensor {key!r} is missing from the file")
        info = self.tensor_info.get(key, {})
        t = _make(self.arrays[key])
        saved = info.get("device", "cpu")
        mapped = self._call_map_location(t, saved) if callable(self.map_location) else None
        if mapped is not None:
            t = mapped
        else:
            device = self._device(saved)
            if device.type != "cpu":
                t = t.to(device)
        if info.get("parameter"):
            t = _as_parameter(t, bool(info.get("requires_grad")))
        elif info.get("requires_grad"):
            t.requires_grad_(True)
        self._made[key] = t
        return t

    def _call_map_location(self, t, saved):
        try:
            out = self.map_location(t, saved)
        except Exception as e:
            # Not one of the errors load reports as damaged metadata: the function's own.
            raise RuntimeError(f"map_location raised {type(e).__name__}: {e}") from e
        if out is not None and not isinstance(out, Tensor):
            raise RuntimeError("map_location must return a tensor or None, got "
                               f"{type(out).__name__}")
        return out

    def _device(self, saved):
        ml = self.map_location
        if ml is None or callable(ml):     # a function that returned None: where it was saved
            target = saved
        elif isinstance(ml, dict):
            target = ml.get(saved, saved)
        else:
            target = ml
        try:
            dev = _parse_device(target)
        except (TypeError, RuntimeError) as e:     # map_location was checked: the file's
            raise ValueError(f"bad device {target!r}: {e}") from None
        if dev.type == "cuda":
            from .backend import cuda
            if not cuda.is_available():
                raise RuntimeError(
                    f"Attempting to load a tensor saved on {saved} onto {dev}, but CUDA is not "
                    "available. On a machine without a GPU, pass map_location='cpu'.")
        return dev

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (tag, value), = node.items()
            if tag == "__tensor__":
                return self.tensor(value)
            if tag == "__float__":
                return float(value)
            if tag == "__tuple__":
                return tuple(self.decode(v) for v in value)
            if tag == "__dict__":
                return {_hashable(self.decode(k)): self.decode(v) for k, v in value}
            if tag == "__counter__":
                return Counter({_hashable(self.decode(k)): self.decode(v) for k, v in value})
            if tag == "__ordered__":
                return OrderedDict((_hashable(self.decode(k)), self.decode(v)) for k, v in value)
            if tag in ("__set__", "__frozenset__"):
                items = (_hashable(self.decode(v)) for v in value)
                return set(items) if tag == "__set__" else frozenset(items)
            if tag == "__bytes__":
                return base64.b64decode(value)
            if tag == "__bytearray__":
                return bytearray(base64.b64decode(value))
            if tag == "__ndarray__":
                return self.arrays[value]
            if tag == "__dtype__":
                return _dt._BY_NAME[value]
            if tag == "__device__":
                return _parse_device(value)
        return {k: self.decode(v) for k, v in node.items()}


def _hashable(key):
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _as_parameter(t, requires_grad):
    try:
        from .nn import Parameter
    except ImportError:
        return t.requires_grad_(requires_grad)
    return Parameter(t, requires_grad=requires_grad)
