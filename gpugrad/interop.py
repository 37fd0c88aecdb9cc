"""Zero-copy exchange with other array libraries: DLPack and ``__cuda_array_interface__``.

Example::

    >>> t = gg.from_dlpack(np.arange(3.0))      # shares memory with the NumPy array
    >>> np.from_dlpack(t)                        # and back, still no copy
    array([0., 1., 2.])

On cuda the same calls exchange CuPy, PyTorch and JAX device arrays without copying.
"""
import numpy as np

from .backend import cuda as _cuda
from .tensor import Tensor, _make
from .dtypes import from_numpy_dtype

__all__ = ["from_dlpack"]

# DLPack device types (dlpack.h): where the exporter's memory lives.
_DLPACK_CPU = 1
_DLPACK_CUDA = (2, 13)     # kDLCUDA, kDLCUDAManaged: CuPy imports both


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with any object that implements the DLPack protocol.

    NumPy arrays and CPU tensors of other libraries become cpu tensors; CuPy, PyTorch-cuda and
    JAX GPU arrays become cuda tensors. ``device`` moves the result (a copy where it differs)
    and ``copy=True`` always copies, as ``torch.from_dlpack``.

    Example::

        >>> a = np.zeros(2, np.float32)
        >>> t = gg.from_dlpack(a); a[0] = 5; t          # the same memory
        tensor([5., 0.])
    """
    if isinstance(ext_tensor, Tensor):
        _check_exportable(ext_tensor)
        src = _make(ext_tensor._data)
    else:
        src = _make(_import(ext_tensor))
    out = src if device is None else src.to(device)
    if copy and out is src:     # a move to another device has copied already
        out = _make(src._data.copy())
    return out


def _import(ext_tensor):
    if not hasattr(ext_tensor, "__dlpack_device__"):
        raise TypeError(f"from_dlpack() expects an object with __dlpack__ and "
                        f"__dlpack_device__, got {type(ext_tensor).__name__}")
    dev_type, _ = ext_tensor.__dlpack_device__()
    if int(dev_type) == _DLPACK_CPU:
        data = np.from_dlpack(ext_tensor)
    elif int(dev_type) in _DLPACK_CUDA:
        data = _cuda._cupy().from_dlpack(ext_tensor)
    else:
        raise RuntimeError(f"from_dlpack(): unsupported DLPack device type {int(dev_type)}; "
                           "gpugrad holds cpu (1) and cuda (2) data")
    from_numpy_dtype(data.dtype)     # refuses dtypes gpugrad has no name for (complex, ...)
    return data


def _check_exportable(t):
    if t._requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    _check_exportable(self)
    # Pass on what the consumer asked for: dropping copy=True would make it share memory
    # that it expects to own.
    kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                ("dl_device", dl_device), ("copy", copy)) if v is not None}
    return self._data.__dlpack__(**kwargs)


def _dlpack_device(self):
    return self._data.__dlpack_device__()


def _cuda_array_interface(self):
    if type(self._data) is np.ndarray:
        # AttributeError, so hasattr() is False and consumers fall back to other protocols.
        raise AttributeError(f"Can't get __cuda_array_interface__ on non-CUDA tensor type: "
                             f"{self.dtype} on {self.device}. If CUDA data is required use "
                             f"tensor.cuda() to copy tensor to device memory.")
    if self._requires_grad:
        raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires grad. "
                           "If gradients aren't required, use var.detach() to get Variable "
                           "that doesn't require grad.")
    return self._data.__cuda_array_interface__


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device
Tensor.__cuda_array_interface__ = property(_cuda_array_interface)
