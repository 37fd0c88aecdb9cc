"""Automatic mixed precision, as ``torch.amp``: ``autocast`` regions and ``GradScaler``.

Example::

    >>> model = gg.nn.Linear(4, 2)
    >>> opt = gg.optim.SGD(model.parameters(), lr=0.1)
    >>> scaler = gg.amp.GradScaler('cpu')
    >>> with gg.amp.autocast('cpu', dtype=gg.float16):
    ...     loss = model(gg.ones(3, 4)).float().pow(2).mean()
    >>> scaler.scale(loss).backward()
    >>> scaler.step(opt); scaler.update()
"""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available  # noqa: F401
from .grad_scaler import GradScaler  # noqa: F401

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
