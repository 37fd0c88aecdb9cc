"""``gg.cuda.amp``: deprecated aliases of ``gg.amp`` with the device fixed to 'cuda'."""
from ._legacy import (CudaAutocast as autocast, CudaGradScaler as GradScaler,  # noqa: F401
                      cuda_custom_bwd as custom_bwd, cuda_custom_fwd as custom_fwd)

__all__ = ["autocast", "custom_bwd", "custom_fwd", "GradScaler"]
