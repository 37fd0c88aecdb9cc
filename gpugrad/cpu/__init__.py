"""``gg.cpu``: PyTorch's ``torch.cpu`` namespace, for its deprecated ``amp`` aliases.

Example::

    >>> gg.cpu.amp.GradScaler  # doctest: +ELLIPSIS
    <class '...CpuGradScaler'>
"""
from . import amp  # noqa: F401
