"""The deprecated spellings ``gg.cuda.amp.*`` and ``gg.cpu.amp.*``: the same classes with the
device fixed and PyTorch's FutureWarning on use (gpugrad's names in the texts)."""
import functools
import warnings

from .. import dtypes as _dt
from . import autocast_mode as _am
from .grad_scaler import GradScaler as _GradScaler


def _deprecated(message):
    warnings.warn(message, FutureWarning, stacklevel=3)


class CudaAutocast(_am.autocast):
    """``gg.cuda.amp.autocast(...)``: deprecated, use ``gg.amp.autocast('cuda', ...)``."""

    def __init__(self, enabled=True, dtype=_dt.float16, cache_enabled=True):
        _deprecated("`gpugrad.cuda.amp.autocast(args...)` is deprecated. Please use "
                    "`gpugrad.amp.autocast('cuda', args...)` instead.")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class CpuAutocast(_am.autocast):
    """``gg.cpu.amp.autocast(...)``: deprecated, use ``gg.amp.autocast('cpu', ...)``."""

    def __init__(self, enabled=True, dtype=_dt.bfloat16, cache_enabled=True):
        _deprecated("`gpugrad.cpu.amp.autocast(args...)` is deprecated. Please use "
                    "`gpugrad.amp.autocast('cpu', args...)` instead.")
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class CudaGradScaler(_GradScaler):
    """``gg.cuda.amp.GradScaler(...)``: deprecated, use ``gg.amp.GradScaler('cuda', ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        _deprecated("`gpugrad.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                    "`gpugrad.amp.GradScaler('cuda', args...)` instead.")
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)


class CpuGradScaler(_GradScaler):
    """``gg.cpu.amp.GradScaler(...)``: deprecated, use ``gg.amp.GradScaler('cpu', ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        _deprecated("`gpugrad.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                    "`gpugrad.amp.GradScaler('cpu', args...)` instead.")
        super().__init__("cpu", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)


def cuda_custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated: use ``gg.amp.custom_fwd(..., device_type='cuda')``."""
    _deprecated("`gpugrad.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                "`gpugrad.amp.custom_fwd(args..., device_type='cuda')` instead.")
    return functools.partial(_am.custom_fwd, device_type="cuda")(fwd=fwd,
                                                                 cast_inputs=cast_inputs)


def cuda_custom_bwd(bwd):
    """Deprecated: use ``gg.amp.custom_bwd(..., device_type='cuda')``."""
    _deprecated("`gpugrad.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                "`gpugrad.amp.custom_bwd(args..., device_type='cuda')` instead.")
    return functools.partial(_am.custom_bwd, device_type="cuda")(bwd)
