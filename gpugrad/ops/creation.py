"""Factories: tensor, zeros, ones, full, arange, linspace, eye, empty, rand, randn, randint.

Each takes ``dtype``, ``device`` and ``requires_grad`` as PyTorch's do; the device defaults
to :func:`gpugrad.get_default_device`.
"""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..backend import device as _parse_device, get_default_device
from ..backend import cuda as _cuda
from ..tensor import Tensor, _make
from ..random import _generator_for
from ._util import register_methods

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "arange", "linspace", "logspace", "eye", "rand", "randn", "randint",
           "randperm", "normal", "scalar_tensor", "tril", "triu", "tril_indices",
           "triu_indices", "bernoulli", "multinomial"]


def _xp_for(device):
    """The array module and the device for a factory call."""
    dev = get_default_device() if device is None else _parse_device(device)
    if dev.type == "cpu":
        return np, dev
    cp = _cuda._cupy()
    return cp, dev


def _on(dev, fn):
    if dev.type == "cuda" and dev.index is not None:
        with _cuda._cupy().cuda.Device(dev.index):
            return fn()
    return fn()


def _finish(data, requires_grad):
    t = _make(data)
    if requires_grad:
        # The factories' wording (capital O) differs from requires_grad_()'s, as PyTorch's.
        t._set_requires_grad(True, "Only Tensors of floating point and complex dtype can "
                                   "require gradients")
    return t


def _infer_dtype(data):
    """PyTorch's dtype for nested Python data: each element's own type (a Python bool, int or
    float: bool, int64 or the default float; a NumPy scalar or a tensor: its dtype), promoted
    together as ``promote_types`` does.

    Example: ``[np.float16(1), 2]`` gives float16, ``[np.int8(1), np.uint8(2)]`` int16.
    """
    found = []
    default_float = _dt.get_default_dtype().np_dtype

    def walk(x):
        if isinstance(x, Tensor):
            found.append(x._data.dtype)
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, np.generic):
            if x.dtype.kind == "c":
                raise TypeError("complex tensors are not supported")
            _dt.from_numpy_dtype(x.dtype)         # PyTorch's error for a dtype it lacks
            found.append(x.dtype)
        elif isinstance(x, bool):
            found.append(_BOOL)
        elif isinstance(x, numbers.Integral):
            found.append(_INT64)
        elif isinstance(x, numbers.Real):
            found.append(default_float)
        elif isinstance(x, numbers.Complex):
            raise TypeError("complex tensors are not supported")
        elif isinstance(x, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
        elif x is None:
            raise RuntimeError("Could not infer dtype of NoneType")
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    walk(data)
    if not found:
        return default_float
    result = found[0]
    for d in found[1:]:
        result = _dt._promote_np(result, d)
    return result


_BOOL = np.dtype(np.bool_)
_INT64 = np.dtype(np.int64)


def _to_host_array(data, dtype):
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dtype is None else arr.astype(dtype)
    if isinstance(data, np.ndarray):
        if dtype is None:
            _dt.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dtype)
    if hasattr(data, "__cuda_array_interface__"):
        return data.astype(dtype) if dtype is not None else data.copy()
    if isinstance(data, range):
        data = list(data)
    if dtype is None:
        dtype = _infer_dtype(data)      # before tensors become lists: their dtypes count
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _iter_flat(data)):
        data = _tensors_to_lists(data)
    try:
        return np.array(data, dtype=dtype)
    except ValueError:
        _check_ragged(data, 0)
        raise


def _check_ragged(data, dim):
    """PyTorch's error for nested lists of unequal lengths."""
    if not isinstance(data, (list, tuple)) or not data:
        return
    first = data[0]
    n = len(first) if isinstance(first, (list, tuple)) else None
    for item in data:
        m = len(item) if isinstance(item, (list, tuple)) else None
        if m != n:
            if n is None or m is None:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got "
                                 f"{type(item).__name__ if m is None else m})")
            raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {m})")
        _check_ragged(item, dim + 1)


def _iter_flat(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _iter_flat(x)
        else:
            yield x


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Example::

        >>> gg.tensor([[1.0, 2.0]], requires_grad=True)
        tensor([[1., 2.]], requires_grad=True)
    """
    npd = _dt.to_numpy_dtype(dtype)
    arr = _to_host_array(data, npd)
    _dt.from_numpy_dtype(arr.dtype)
    xp, dev = _xp_for(device if device is not None else
                      (data.device if isinstance(data, Tensor) else None))
    if xp is not np:
        arr = _on(dev, lambda: xp.asarray(arr))
    elif type(arr) is not np.ndarray:
        arr = arr.get()
    return _finish(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, without copying when it already is one of the right kind."""
    if isinstance(data, Tensor):
        t = data
        if dtype is not None and t.dtype is not dtype:
            t = t.to(dtype)
        if device is not None and t.device != _parse_device(device):
            t = t.to(device)
        return t
    if isinstance(data, np.ndarray) and (device is None or _parse_device(device).type == "cpu"):
        npd = _dt.to_numpy_dtype(dtype)
        return _make(data if npd is None or data.dtype == npd else data.astype(npd))
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray):
    """A cpu tensor sharing memory with a NumPy array.

    Example::

        >>> a = np.zeros(2, np.float32); t = gg.from_numpy(a); a[0] = 1; t
        tensor([1., 0.])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dt.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = tuple(int(s) for s in size)
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(out)}")
    return out


def _filled(kind, size, dtype, device, requires_grad, value=None):
    npd = _dt.to_numpy_dtype(dtype) or _dt.get_default_dtype().np_dtype
    xp, dev = _xp_for(device)
    if kind == "full":
        data = _on(dev, lambda: xp.full(size, value, dtype=npd))
    else:
        data = _on(dev, lambda: getattr(xp, kind)(size, dtype=npd))
    return _finish(data, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of zeros. Example: ``gg.zeros(2, 3)``."""
    return _filled("zeros", _size(size), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of ones. Example: ``gg.ones(2, 3)``."""
    return _filled("ones", _size(size), dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor. Example: ``gg.empty(2, 3)``."""
    return _filled("empty", _size(size), dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (its dtype inferred from the value, as PyTorch).

    Example::

        >>> gg.full((2,), 7)
        tensor([7, 7])
    """
    if dtype is None:
        dtype = _infer_dtype(fill_value)
    return _filled("full", _size((size,) if isinstance(size, int) else (tuple(size),)), dtype,
                   device, requires_grad, value=fill_value)


def _like(fn, input, dtype, device, requires_grad, *args):
    dtype = input.dtype if dtype is None else dtype
    device = input.device if device is None else device
    return fn(*args, input._data.shape, dtype=dtype, device=device,
              requires_grad=requires_grad) if args else fn(input._data.shape, dtype=dtype,
                                                             device=device,
                                                             requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    return full(input._data.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(rand, input, dtype, device, requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(randn, input, dtype, device, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype,
                   device=device or input.device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``.

    Example::

        >>> gg.arange(3)
        tensor([0, 1, 2])
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    npd = _dt.to_numpy_dtype(dtype) or _infer_dtype(vals)
    xp, dev = _xp_for(device)
    data = _on(dev, lambda: xp.arange(*vals, dtype=np.float64 if npd.kind == "f" else None)
               .astype(npd))
    return _finish(data, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    npd = _dt.to_numpy_dtype(dtype) or _dt.get_default_dtype().np_dtype
    xp, dev = _xp_for(device)
    data = _on(dev, lambda: xp.linspace(start, end, steps, dtype=np.float64).astype(npd))
    return _finish(data, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    npd = _dt.to_numpy_dtype(dtype) or _dt.get_default_dtype().np_dtype
    xp, dev = _xp_for(device)
    data = _on(dev, lambda: xp.logspace(start, end, steps, base=base).astype(npd))
    return _finish(data, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The identity matrix (``n`` x ``m``)."""
    npd = _dt.to_numpy_dtype(dtype) or _dt.get_default_dtype().np_dtype
    xp, dev = _xp_for(device)
    return _finish(_on(dev, lambda: xp.eye(n, m, dtype=npd)), requires_grad)


def _random(kind, size, dtype, device, requires_grad, generator, **kw):
    npd = _dt.to_numpy_dtype(dtype) or _dt.get_default_dtype().np_dtype
    xp, dev = _xp_for(device)
    gen = _generator_for(dev, generator)
    data = gen._draw(kind, size, npd, **kw)
    return _finish(data, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1). Reproducible with ``gg.manual_seed``."""
    return _random("rand", _size(size), dtype, device, requires_grad, generator)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples. Reproducible with ``gg.manual_seed``."""
    return _random("randn", _size(size), dtype, device, requires_grad, generator)


def normal(mean, std, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    t = _random("randn", _size((size,)) if size is not None else (), dtype, device, False,
                generator)
    t._data *= std
    t._data += mean
    if requires_grad:
        t.requires_grad_(True)
    return t


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Random integers in ``[low, high)``.

    Example::

        >>> gg.randint(0, 10, (3,)).dtype
        gpugrad.int64
    """
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    npd = _dt.to_numpy_dtype(dtype) or np.dtype(np.int64)
    xp, dev = _xp_for(device)
    gen = _generator_for(dev, generator)
    return _finish(gen._draw("randint", _size((size,)) if not isinstance(size, int)
                             else (size,), npd, low=low, high=high), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    npd = _dt.to_numpy_dtype(dtype) or np.dtype(np.int64)
    xp, dev = _xp_for(device)
    gen = _generator_for(dev, generator)
    return _finish(gen._draw("randperm", (n,), npd), requires_grad)


def _tri_mask(name, input, diagonal):
    """The bool mask of ``tri(rows, cols, diagonal)`` for the last two dims of ``input``."""
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    r, c = input._data.shape[-2:]
    return input._array_module.tri(r, c, diagonal, dtype=bool)


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); zeros elsewhere.

    Example::

        >>> gg.ones(2, 2).tril()
        tensor([[1., 0.],
                [1., 1.]])
    """
    from .arithmetic import where
    return where(_make(_tri_mask("tril", input, diagonal)), input, _zero_like(input))


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); zeros elsewhere.

    A bool input stays bool, so this makes the causal mask that ``nn.MultiheadAttention``
    takes (True: not attended).

    Example::

        >>> gg.triu(gg.ones(3, 3, dtype=gg.bool), diagonal=1)
        tensor([[False,  True,  True],
                [False, False,  True],
                [False, False, False]])
    """
    from .arithmetic import where
    return where(_make(~_tri_mask("triu", input, diagonal - 1)), input, _zero_like(input))


def _zero_like(input):
    # The fill must not promote: a Python 0 next to a bool tensor would make the result int64,
    # and a bool causal mask (``triu(ones(n, n, dtype=bool), 1)``) must stay bool.
    return False if input._data.dtype.kind == "b" else 0


def _tri_indices(keep, row, col, offset, dtype, device):
    npd = _dt.to_numpy_dtype(dtype) or _INT64
    xp, dev = _xp_for(device)
    mask = np.tri(row, col, offset, dtype=bool)
    idx = np.stack(np.nonzero(mask if keep else ~mask)).astype(npd)
    return _finish(_on(dev, lambda: xp.asarray(idx)), False)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the lower triangle of a ``row`` x ``col`` matrix, as a
    2 x N tensor in row-major order.

    Example::

        >>> gg.tril_indices(2, 2)
        tensor([[0, 1, 1],
                [0, 0, 1]])
    """
    return _tri_indices(True, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (row, column) indices of the upper triangle (on and above ``offset``)."""
    return _tri_indices(False, row, col, offset - 1, dtype, device)


# ------------------------------------------------------------------ Tensor.new_* and fills
def _new_factory(fn):
    """``self.new_zeros(size)`` and friends: ``fn`` with self's dtype and device by default."""
    def method(self, *args, dtype=None, device=None, requires_grad=False, **kwargs):
        return fn(*args, dtype=self.dtype if dtype is None else dtype,
                  device=self.device if device is None else device,
                  requires_grad=requires_grad, **kwargs)
    method.__name__ = "new_" + fn.__name__
    method.__doc__ = f"``gpugrad.{fn.__name__}`` with this tensor's dtype and device."
    return method


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device unless given."""
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(data, dtype=self.dtype if dtype is None else dtype,
                  device=self.device if device is None else device, requires_grad=requires_grad)


def _fill_with(self, values):
    """Write ``values`` (a fresh tensor with no history) into self in place: as copy_, so the
    gradient reaching self's old value is zero, as for PyTorch's random fills."""
    from .inplace import copy_
    return copy_(self, values)


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill with samples from U(from_, to); returns self."""
    u = _random("rand", self._data.shape, self.dtype, self.device, False, generator)
    return _fill_with(self, u * (to - from_) + from_)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std**2); returns self."""
    z = _random("randn", self._data.shape, self.dtype, self.device, False, generator)
    return _fill_with(self, z * std + mean)


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 in ``input``'s dtype, 1 with probability ``input`` (or ``p``) at each element.

    Example::

        >>> gg.bernoulli(gg.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{_dt.torch_name(input._data.dtype)}'")
    probs = input._data if p is None else p
    _check_probabilities(probs)
    u = _random("rand", input._data.shape, _dt.float64, input.device, False, generator)._data
    return _make((u < probs).astype(input._data.dtype))


def _check_probabilities(p):
    """PyTorch's error for a probability (a number or an array) outside [0, 1]."""
    bad = not 0 <= p <= 1 if isinstance(p, (int, float)) else bool(((p < 0) | (p > 1)).any())
    if bad:
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0 or 1, 1 with probability ``p`` (a number or a tensor); returns self."""
    probs = p._data if isinstance(p, Tensor) else p
    if isinstance(probs, (int, float)) and not 0 <= probs <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={probs}")
    _check_probabilities(probs)
    u = _random("rand", self._data.shape, _dt.float64, self.device, False, generator)._data
    return _fill_with(self, _make((u < probs).astype(self._data.dtype)))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categories of each row of ``input`` (non-negative weights,
    not necessarily normalised); without ``replacement`` each index appears once per row.

    Example::

        >>> gg.multinomial(gg.tensor([0.0, 1.0]), 2, replacement=True)
        tensor([1, 1])
    """
    w = input._data
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.torch_name(w.dtype)}")
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n = w.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    xp = input._array_module
    rows = w.reshape(-1, n).astype(np.float64)
    if bool(xp.any(~xp.isfinite(rows) | (rows < 0))):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if bool(xp.any(rows.sum(axis=1) <= 0)):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    draw = (rows.shape[0], num_samples) if replacement else rows.shape
    u = _random("rand", draw, _dt.float64, input.device, False, generator)._data
    if replacement:
        cdf = xp.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        # The category of a uniform draw is how many cumulative weights it passes.
        idx = xp.minimum((u[:, :, None] >= cdf[:, None, :]).sum(axis=2), n - 1)
    else:
        # Exponential races: each category's arrival time is Exp(1) / weight; the first
        # ``num_samples`` to arrive are a draw without replacement (zero weights come last).
        with np.errstate(divide="ignore"):
            keys = -xp.log(u) / rows
        idx = xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    return _make(idx.reshape(w.shape[:-1] + (num_samples,)).astype(np.int64))


register_methods(
    bernoulli=bernoulli, bernoulli_=bernoulli_, multinomial=multinomial,
    tril=tril, triu=triu, new_tensor=new_tensor, new_zeros=_new_factory(zeros),
    new_ones=_new_factory(ones), new_empty=_new_factory(empty), new_full=_new_factory(full),
    uniform_=uniform_, normal_=normal_,
)
