"""``gg.cpu.amp``: deprecated aliases of ``gg.amp`` with the device fixed to 'cpu'."""
from ..amp._legacy import CpuAutocast as autocast, CpuGradScaler as GradScaler  # noqa: F401

__all__ = ["autocast", "GradScaler"]
