"""Padding layers, as ``torch.nn``'s: Zero-, Constant-, Reflection-, Replication- and
CircularPad in 1, 2 and 3 dims, each a :func:`gpugrad.nn.functional.pad` with fixed widths.

``padding`` is an int (the same width on every side) or a sequence of widths ordered as
``F.pad`` orders them: (left, right[, top, bottom[, front, back]]).

Example::

    >>> gg.nn.ReflectionPad2d((1, 1, 2, 0))(gg.randn(1, 3, 4, 4)).shape
    gpugrad.Size([1, 3, 6, 6])
"""
from ...ops.padding import pad
from ..module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


def _ntuple(value, n):
    """PyTorch's ``_ntuple``: a sequence as a tuple (its length unchecked), else n copies."""
    if hasattr(value, "__iter__"):
        return tuple(value)
    return (value,) * n


class _PadNd(Module):
    """A fixed ``F.pad`` in ``_mode``; ``_dims`` spatial dims (for the sizes of ``padding``)."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._dims)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        # The only padding layers that check the input's rank first, as PyTorch's.
        d = self._dims
        if input.ndim not in (d + 1, d + 2):
            raise ValueError(f"expected {d + 1}D or {d + 2}D input (got {input.ndim}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    """Pad the last dim of (N, C, W) or (C, W) input with its other end (wrap around).

    Example::

        >>> gg.nn.CircularPad1d(1)(gg.tensor([[[1.0, 2.0, 3.0]]])).tolist()
        [[[3.0, 1.0, 2.0, 3.0, 1.0]]]
    """
    _dims = 1


class CircularPad2d(_CircularPadNd):
    """Circular padding of the last 2 dims of (N, C, H, W) or (C, H, W) input.

    Example::

        >>> gg.nn.CircularPad2d((1, 0, 0, 1))(gg.ones(1, 1, 2, 2)).shape
        gpugrad.Size([1, 1, 3, 3])
    """
    _dims = 2


class CircularPad3d(_CircularPadNd):
    """Circular padding of the last 3 dims of (N, C, D, H, W) or (C, D, H, W) input.

    Example::

        >>> gg.nn.CircularPad3d(1)(gg.ones(1, 1, 2, 2, 2)).shape
        gpugrad.Size([1, 1, 4, 4, 4])
    """
    _dims = 3


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value`` (negative widths crop); any input rank.

    Example::

        >>> gg.nn.ConstantPad1d((1, 2), 3.5)(gg.zeros(1, 2)).tolist()
        [[3.5, 0.0, 0.0, 3.5, 3.5]]
    """
    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``.

    Example::

        >>> gg.nn.ConstantPad2d(1, -1.0)(gg.zeros(1, 2, 2)).shape
        gpugrad.Size([1, 4, 4])
    """
    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``.

    Example::

        >>> gg.nn.ConstantPad3d((1, 1, 0, 0, 2, 0), 0.5)(gg.zeros(1, 1, 2, 2, 2)).shape
        gpugrad.Size([1, 1, 4, 2, 4])
    """
    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros.

    Example::

        >>> gg.nn.ZeroPad1d(1)(gg.ones(1, 2)).tolist()
        [[0.0, 1.0, 1.0, 0.0]]
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros.

    Example::

        >>> gg.nn.ZeroPad2d((1, 1, 2, 0))(gg.ones(1, 1, 3, 3)).shape
        gpugrad.Size([1, 1, 5, 5])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros.

    Example::

        >>> gg.nn.ZeroPad3d(1)(gg.ones(1, 1, 1, 1, 1)).shape
        gpugrad.Size([1, 1, 3, 3, 3])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    _mode = "reflect"


class ReflectionPad1d(_ReflectionPadNd):
    """Pad the last dim with its reflection (edge not repeated); widths under the size.

    Example::

        >>> gg.nn.ReflectionPad1d(2)(gg.tensor([[1.0, 2.0, 3.0]])).tolist()
        [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]]
    """
    _dims = 1


class ReflectionPad2d(_ReflectionPadNd):
    """Reflection padding of the last 2 dims of (N, C, H, W) or (C, H, W) input.

    Example::

        >>> gg.nn.ReflectionPad2d(1)(gg.ones(1, 1, 3, 3)).shape
        gpugrad.Size([1, 1, 5, 5])
    """
    _dims = 2


class ReflectionPad3d(_ReflectionPadNd):
    """Reflection padding of the last 3 dims of (N, C, D, H, W) or (C, D, H, W) input.

    Example::

        >>> gg.nn.ReflectionPad3d(1)(gg.ones(1, 1, 2, 2, 2)).shape
        gpugrad.Size([1, 1, 4, 4, 4])
    """
    _dims = 3


class _ReplicationPadNd(_PadNd):
    _mode = "replicate"


class ReplicationPad1d(_ReplicationPadNd):
    """Pad the last dim by repeating its edge values.

    Example::

        >>> gg.nn.ReplicationPad1d((2, 1))(gg.tensor([[1.0, 2.0]])).tolist()
        [[1.0, 1.0, 1.0, 2.0, 2.0]]
    """
    _dims = 1


class ReplicationPad2d(_ReplicationPadNd):
    """Replication padding of the last 2 dims of (N, C, H, W) or (C, H, W) input.

    Example::

        >>> gg.nn.ReplicationPad2d(2)(gg.ones(1, 1, 2, 2)).shape
        gpugrad.Size([1, 1, 6, 6])
    """
    _dims = 2


class ReplicationPad3d(_ReplicationPadNd):
    """Replication padding of the last 3 dims of (N, C, D, H, W) or (C, D, H, W) input.

    Example::

        >>> gg.nn.ReplicationPad3d(1)(gg.ones(1, 1, 1, 1, 1)).shape
        gpugrad.Size([1, 1, 3, 3, 3])
    """
    _dims = 3
