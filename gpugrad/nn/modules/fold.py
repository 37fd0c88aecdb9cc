"""Fold and Unfold, as ``torch.nn``'s: col2im and im2col over (N, C, H, W) blocks.

Example::

    >>> unfold = gg.nn.Unfold(kernel_size=(2, 3))
    >>> unfold(gg.randn(2, 5, 3, 4)).shape
    gpugrad.Size([2, 30, 4])
"""
from ...ops.fold import fold, unfold
from ..module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum sliding-block columns (N, C * prod(kernel_size), L) into an (N, C, *output_size)
    output (col2im): :class:`Unfold`'s adjoint.

    Example::

        >>> fold = gg.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> fold(gg.randn(1, 3 * 2 * 2, 12)).shape
        gpugrad.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self):
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, "
                "padding={padding}, stride={stride}".format(**self.__dict__))


class Unfold(Module):
    """The sliding blocks of (N, C, H, W) input as columns (N, C * prod(kernel_size), L)
    (im2col).

    Example::

        >>> gg.nn.Unfold(kernel_size=2, stride=2)
        Unfold(kernel_size=2, dilation=1, padding=0, stride=2)
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ("kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))
