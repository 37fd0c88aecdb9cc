"""Utilities: ``gg.utils.data`` (datasets and loaders) and whatever else lives in this folder.

Example::

    >>> loader = gg.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)

Submodules are imported when first used (``gg.utils.checkpoint`` and the like), so that
``import gpugrad`` stays cheap.
"""
import importlib

from . import data  # noqa: F401

__all__ = ["data"]


def __getattr__(name):
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = module
    return module
