"""Tensor: an array (NumPy on cpu, CuPy on cuda) plus what autograd needs to know about it.

Example::

    >>> x = gg.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])

Methods that are ops (``x.sum()``, ``x + y``) are attached by ``gpugrad.ops`` when the package
is imported; this file holds the state and the autograd bookkeeping only.
"""
import warnings

import numpy as np

from . import dtypes as _dt
from .autograd.grad_mode import _tls
from .autograd import engine as _engine
from .autograd.graph import AccumulateGrad, add_hook
from .backend import device_of, get_array_module
from .memory._counters import track as _memory_track  # memory accounting (gpugrad/memory)

__all__ = ["Tensor", "Size"]

_new = object.__new__
_ndarray = np.ndarray
_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


class Size(tuple):
    """A tensor's shape: a tuple that prints like ``gpugrad.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"gpugrad.Size({list(self)})"

    # Slicing, joining and repeating a shape give a shape, as PyTorch's.
    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to "
                            f"gpugrad.Size")
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(other + tuple(self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


def _make(data, requires_grad=False):
    """Wrap an array (no copy) as a fresh tensor with no history."""
    t = _new(Tensor)
    if type(data) is not _ndarray and not hasattr(data, "__cuda_array_interface__"):
        # NumPy returns scalars from 0-d arithmetic; a tensor always holds an array.
        data = np.asarray(data)
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t._grad_fn = None
    t._output_nr = 0
    t._version = [0]
    t._base = None
    t._inference = _tls.inference
    t._extra = None
    # Memory accounting: count the storage's owner (gpugrad/memory/_counters.py). Owners
    # under 1 KiB are skipped there; a view may hold a big owner, so views always go in.
    if data.nbytes >= 1024 or data.base is not None:
        _memory_track(data)
    return t


def _legacy_data(args, npd=None):
    """The array ``Tensor(*args)`` holds: PyTorch's legacy constructor rules (with ``npd``
    in place of the default dtype for the typed constructors such as ``gg.LongTensor``)."""
    default = _dt.get_default_dtype().np_dtype if npd is None else npd
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if not args:
        return np.empty((0,), dtype=default)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        for a in args:
            if a < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {a}: "
                                   f"{list(args)}")
        return np.empty(args, dtype=default)
    if len(args) > 1:
        k, bad = next((k, a) for k, a in enumerate(args) if not isinstance(a, int))
        raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {k + 1} "
                        f"with error \"type must be tuple of ints,but got "
                        f"{type(bad).__name__}\"")
    data = args[0]
    if isinstance(data, Tensor):
        return data._data
    if hasattr(data, "__cuda_array_interface__") or isinstance(data, np.ndarray):
        return data if data.dtype == default else data.astype(default)
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return np.asarray(data, dtype=default)


class Tensor:
    """A multi-dimensional array with autograd, as ``torch.Tensor``.

    Make tensors with :func:`gpugrad.tensor` and the factories (``gg.zeros``, ``gg.randn``).
    As PyTorch's legacy constructor, ``Tensor(data)`` holds the default float dtype
    (``Tensor([1, 2])`` is float32; an array already of that dtype is wrapped, not copied; a
    tensor keeps its dtype) and ``Tensor(2, 3)`` is an uninitialised tensor of that shape.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_version",
                 "_base", "_inference", "_extra", "__weakref__")
    # Makes NumPy defer to our reflected operators (np.float32(2) * t gives a Tensor).
    __array_priority__ = 1000

    def __new__(cls, *args, requires_grad=False):
        t = _make(_legacy_data(args))
        if requires_grad:
            t.requires_grad_(True)
        return t

    # ---------------------------------------------------------------- storage and metadata
    @property
    def data(self):
        """This tensor's storage as a new tensor with no history (as ``torch.Tensor.data``).

        Unlike :meth:`detach`, changes made through it are hidden from autograd (it has its own
        version counter), as in PyTorch.
        """
        return _make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self):
        return _dt._BY_NP[self._data.dtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return not self.is_cuda

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_signed(self):
        """True for floating and signed integer dtypes (not uint8 or bool)."""
        return self._data.dtype.kind in "fic"

    def is_nonzero(self):
        """The truth of a one-element tensor (PyTorch's errors for any other size)."""
        n = self._data.size
        if n == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if n > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def is_same_size(self, other):
        return self._data.shape == other._data.shape

    def get_device(self):
        """The CUDA device index, or -1 for a cpu tensor."""
        return (self.device.index or 0) if self.is_cuda else -1

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self):
        if type(self._data) is np.ndarray:
            return self._data.ctypes.data
        return self._data.data.ptr

    def is_inference(self):
        """True for tensors created under ``inference_mode``."""
        return self._inference

    @property
    def _array_module(self):
        return get_array_module(self._data)

    # ---------------------------------------------------------------- autograd state
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        # PyTorch words this error differently from requires_grad_()'s.
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype can "
                                       "require gradients")

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records ops on this leaf; returns self."""
        return self._set_requires_grad(requires_grad, "only Tensors of floating point dtype "
                                                      "can require gradients")

    def _set_requires_grad(self, requires_grad, dtype_error):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(dtype_error)
        if requires_grad and self._inference and not _tls.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves).

        A view whose base was changed in place since its node was recorded gets a node made
        again from the base's new history, as PyTorch's views do.
        """
        if self._base is not None:
            extra = self._extra
            if extra is not None:
                stamp = extra.get("view_version")
                if stamp is not None and stamp != self._version[0]:
                    _refresh_view(self, extra)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def is_leaf(self):
        """True for tensors not made by a recorded op (user-made, or not requiring grad)."""
        return self.grad_fn is None

    @property
    def grad(self):
        """The accumulated gradient of a leaf (None until backward reaches it)."""
        if self.grad_fn is not None and not self.retains_grad and self._grad is None:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value._data.shape)}' to a tensor of size "
                                   f"'{list(self._data.shape)}'. Please ensure that the "
                                   f"gradient and the tensor are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(_grad_dtype_message(value._data.dtype, self._data.dtype))
            if type(value._data) is not type(self._data):
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version_value(self):
        return self._version[0]

    @property
    def retains_grad(self):
        return bool(self._extra and self._extra.get("retains_grad"))

    def _extras(self):
        if self._extra is None:
            self._extra = {}
        return self._extra

    def retain_grad(self):
        """Keep ``.grad`` on a non-leaf after backward (a no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        extra = self._extras()
        if extra.get("retains_grad"):
            return
        extra["retains_grad"] = True
        self._attach_retain_grad()

    def _attach_retain_grad(self):
        # The engine fills .grad when it reaches this tensor's node (and output slot); an
        # in-place op that gives the tensor a new node moves it there (see ops.inplace).
        import weakref
        hooks = self._grad_fn.__dict__.setdefault("_retain_grad_hooks", {})
        hooks[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        Example::

            >>> h = x.register_hook(lambda g: g * 2)
            >>> h.remove()
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is None:
            hooks = self._extras().setdefault("hooks", {})
        else:
            per_output = self.grad_fn.__dict__.setdefault("_tensor_hooks", {})
            hooks = per_output.setdefault(self._output_nr, {})
        return add_hook(hooks, hook)

    def _grad_accumulator(self):
        extra = self._extras()
        acc = extra.get("accumulator")
        if acc is None:
            acc = extra["accumulator"] = AccumulateGrad(self)
        return acc

    def detach(self):
        """A tensor on the same storage with no history (shares the version counter)."""
        t = _make(self._data)
        t._version = self._version
        t._inference = self._inference
        return t

    def detach_(self):
        """Make this tensor a leaf with no history, in place."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in gpugrad/optim/optimizer.py as the solution.")
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to graph leaves.

        Example::

            >>> x = gg.tensor([3.0], requires_grad=True)
            >>> (x ** 2).sum().backward(); x.grad
            tensor([6.])
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---------------------------------------------------------------- conversion
    def numpy(self, *, force=False):
        """The NumPy array behind a cpu tensor (shared, not copied)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if type(self._data) is not np.ndarray:
            if not force:
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
            return self._data.get()
        return self._data

    def __array__(self, dtype=None, copy=None):
        if type(self._data) is not np.ndarray:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        d = self._data
        if type(d) is not np.ndarray:
            d = d.get()
        return d.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def _one_element(self, what):
        n = self._data.size
        if n != 1:
            if what == "Boolean value":
                raise RuntimeError("Boolean value of Tensor with "
                                   f"{'no values' if n == 0 else 'more than one value'} is "
                                   "ambiguous")
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __bool__(self):
        return bool(self._one_element("Boolean value"))

    def __float__(self):
        return float(self._one_element("float"))

    def __int__(self):
        return int(self._one_element("int"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(()).item())

    def __complex__(self):
        return complex(self._one_element("complex"))

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self.detach().cpu().numpy(), str(self.device),
                           self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "gpugrad.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = type(self).__new__(type(self), self._data.copy(),
                                 requires_grad=self._requires_grad) \
            if type(self) is not Tensor else _make(self._data.copy(), self._requires_grad)
        if type(self) is not Tensor:
            new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = _make(self._grad._data.copy())
        memo[id(self)] = new
        return new

    def __repr__(self):
        from ._format import format_tensor
        return format_tensor(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)


def _refresh_view(view, extra):
    """Replay a view's making on its base so that its node sees the base's current history."""
    prev = _tls.grad_enabled
    _tls.grad_enabled = True
    try:
        regen = extra["view_fn"](view._base)
    finally:
        _tls.grad_enabled = prev
    view._grad_fn = regen._grad_fn
    view._output_nr = regen._output_nr
    view._requires_grad = regen._requires_grad
    extra["view_version"] = view._version[0]


def _grad_dtype_message(got, want):
    return (f"attempting to assign a gradient with dtype '{_dt.cpp_name(got)}' to a tensor "
            f"with grad_dtype '{_dt.torch_name(want)}'. The gradient must match the tensor's "
            "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
            "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with "
            "caution. Diverging the dtypes of a tensor and its gradient may break downstream "
            "systems that assume they match.")


def _rebuild(array, device, requires_grad):
    t = _make(array)
    if device != "cpu":
        t = t.to(device)
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim):
    """PyTorch's dimension wrapping, with its error for an out-of-range dim."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}],"
                         f" but got {dim})")
    return dim + n if dim < 0 else dim
