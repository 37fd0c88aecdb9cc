"""More pooling layers: AdaptiveMaxPool1d/2d/3d, MaxUnpool1d/2d/3d, LPPool1d/2d/3d, as
PyTorch's.

Example::

    >>> pool = gg.nn.MaxPool2d(2, return_indices=True)
    >>> y, idx = pool(gg.randn(1, 1, 4, 4))
    >>> gg.nn.MaxUnpool2d(2)(y, idx).shape
    gpugrad.Size([1, 1, 4, 4])
"""
from ...ops import pooling_extra as F
from ..module import Module

__all__ = ["AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "MaxUnpool1d",
           "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d"]


class _AdaptiveMaxPoolNd(Module):
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed length; ``return_indices=True`` adds the argmax indices.

    Example::

        >>> gg.nn.AdaptiveMaxPool1d(4)(gg.randn(2, 3, 10)).shape
        gpugrad.Size([2, 3, 4])
    """
    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed (H, W) (``None`` keeps that size).

    Example::

        >>> gg.nn.AdaptiveMaxPool2d((2, None))(gg.randn(1, 3, 5, 7)).shape
        gpugrad.Size([1, 3, 2, 7])
    """
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed (D, H, W).

    Example::

        >>> gg.nn.AdaptiveMaxPool3d(2)(gg.randn(1, 2, 3, 4, 5)).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """
    _fn = staticmethod(F.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    _fn = None
    _d = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        d = self._d
        self.kernel_size = F._ntuple(kernel_size, d)
        self.stride = F._ntuple(stride if stride is not None else kernel_size, d)
        self.padding = F._ntuple(padding, d)

    def forward(self, input, indices, output_size=None):
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool1d`: values back at their indices, zeros elsewhere.

    Example::

        >>> gg.nn.MaxUnpool1d(2)
        MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """
    _fn = staticmethod(F.max_unpool1d)
    _d = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool2d`; ``output_size`` settles ambiguous sizes.

    Example::

        >>> y, idx = gg.nn.MaxPool2d(2, return_indices=True)(gg.randn(1, 1, 5, 5))
        >>> gg.nn.MaxUnpool2d(2)(y, idx, output_size=(5, 5)).shape
        gpugrad.Size([1, 1, 5, 5])
    """
    _fn = staticmethod(F.max_unpool2d)
    _d = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of :class:`MaxPool3d`.

    Example::

        >>> gg.nn.MaxUnpool3d(2)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """
    _fn = staticmethod(F.max_unpool3d)
    _d = 3


class _LPPoolNd(Module):
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self):
        return ("norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))


class LPPool1d(_LPPoolNd):
    """Power-average pooling ``(sum x^p)^(1/p)`` over windows of (N, C, L) or (C, L).

    Example::

        >>> gg.nn.LPPool1d(2, 3, stride=2)
        LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=False)
    """
    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over windows of (N, C, H, W) or (C, H, W).

    Example::

        >>> gg.nn.LPPool2d(2, 2)(gg.ones(1, 1, 4, 4)).shape
        gpugrad.Size([1, 1, 2, 2])
    """
    _fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over windows of (N, C, D, H, W) or (C, D, H, W).

    Example::

        >>> gg.nn.LPPool3d(1, 2)(gg.ones(1, 1, 2, 2, 2)).shape
        gpugrad.Size([1, 1, 1, 1, 1])
    """
    _fn = staticmethod(F.lp_pool3d)
