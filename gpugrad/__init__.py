"""gpugrad: PyTorch-style reverse-mode autograd on the GPU (CuPy) and the CPU (NumPy).

Example::

    >>> import gpugrad as gg
    >>> x = gg.tensor([2.0], requires_grad=True)
    >>> with gg.no_grad():
    ...     y = x * 3
    >>> y.requires_grad
    False
"""
from .tensor import Tensor, Size  # noqa: F401
from .dtypes import (dtype, float16, float32, float64, bfloat16, int8, int16, int32,  # noqa: F401
                     int64, uint8, bool, half, float, double, long, int, short,
                     get_default_dtype, set_default_dtype, promote_types)
from .backend import (Device as device, get_default_device, set_default_device)  # noqa: F401
from .backend import cuda  # noqa: F401
from .backend.cpu_threads import get_num_threads, set_num_threads  # noqa: F401
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled,  # noqa: F401
                                 inference_mode, is_grad_enabled, is_inference_mode_enabled)
from . import autograd  # noqa: F401
from .random import (Generator, manual_seed, seed, initial_seed, get_rng_state,  # noqa: F401
                     set_rng_state, default_generator)
from . import random as _random
# gg.cuda is the backend's module, below the generators: their cuda seeding is attached here.
cuda.manual_seed = _random.cuda_manual_seed
cuda.manual_seed_all = _random.cuda_manual_seed_all
from .ops import *  # noqa: F401,F403
from . import ops as _ops

# ``gg.device('cuda')`` parses, as ``torch.device``; the class is reachable for isinstance.
from .backend import device as _parse_device  # noqa: E402


class _DeviceFactory(type):
    def __instancecheck__(cls, obj):
        from .backend import Device
        return isinstance(obj, Device)

    def __call__(cls, spec, index=None):
        return _parse_device(spec, index)


class device(metaclass=_DeviceFactory):  # noqa: F811
    """``gg.device('cuda:0')``: parse a device; ``isinstance(d, gg.device)`` works."""


def is_tensor(obj):
    """True if ``obj`` is a gpugrad Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


__version__ = "0.1.0"
from .interop import from_dlpack  # noqa: E402,F401
from ._format import set_printoptions  # noqa: E402,F401
from . import optim, utils  # noqa: E402,F401
from .serialization import save, load  # noqa: E402,F401
from . import nn  # noqa: E402,F401
from .memory import (memory_allocated, max_memory_allocated,  # noqa: E402,F401
                     reset_peak_memory_stats, memory_stats)
from . import memory  # noqa: E402,F401
from . import linalg  # noqa: E402,F401
from . import special  # noqa: E402,F401
from . import distributions  # noqa: E402,F401
from .dtypes import finfo, iinfo  # noqa: E402,F401
from ._toplevel import *  # noqa: E402,F401,F403
from ._legacy_types import *  # noqa: E402,F401,F403
from . import testing  # noqa: E402,F401
from . import amp, cpu  # noqa: E402,F401
from .amp import autocast  # noqa: E402,F401
from .amp.autocast_mode import (is_autocast_enabled, set_autocast_enabled,  # noqa: E402,F401
                                get_autocast_dtype, set_autocast_dtype,
                                is_autocast_cache_enabled, set_autocast_cache_enabled,
                                clear_autocast_cache, autocast_increment_nesting,
                                autocast_decrement_nesting)
from .amp import cuda_amp as _cuda_amp  # noqa: E402
# gg.cuda is the backend's module: its deprecated amp aliases are attached here.
cuda.amp = _cuda_amp
