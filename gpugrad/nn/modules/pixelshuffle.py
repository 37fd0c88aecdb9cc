"""PixelShuffle and PixelUnshuffle, as ``torch.nn``'s (sub-pixel convolution's rearrangement).

Example::

    >>> gg.nn.PixelShuffle(3)(gg.randn(1, 9, 4, 4)).shape
    gpugrad.Size([1, 1, 12, 12])
"""
from ...ops.pixelshuffle import pixel_shuffle, pixel_unshuffle
from ..module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r), ``r = upscale_factor``.

    Example::

        >>> gg.nn.PixelShuffle(2)
        PixelShuffle(upscale_factor=2)
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange (*, C, H r, W r) into (*, C r^2, H, W): PixelShuffle's inverse.

    Example::

        >>> gg.nn.PixelUnshuffle(2)(gg.randn(1, 1, 4, 4)).shape
        gpugrad.Size([1, 4, 2, 2])
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
