"""A stand-in for a CuPy array, for device checks on a machine without a GPU.

It is host memory that reports itself as living on cuda:0 (``device.id``, a
``__cuda_array_interface__``) and, like CuPy, refuses to compute with NumPy arrays. Only
what depends on the device a tensor claims can be tested with it: never numbers.
"""
import types

import numpy as np

from gpugrad.tensor import _make


class FakeCudaArray(np.ndarray):
    device = types.SimpleNamespace(id=0)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "version": 3,
                "data": (self.ctypes.data, False), "strides": None}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(type(x) is np.ndarray for x in inputs):
            raise TypeError("Unsupported type <class 'numpy.ndarray'>")   # CuPy's words
        return NotImplemented


def fake_cuda_tensor(values, dtype=np.float32):
    """A gpugrad tensor whose data claims to be on cuda:0."""
    return _make(np.asarray(values, dtype).view(FakeCudaArray))
