"""ChannelShuffle, as ``torch.nn``'s (ShuffleNet's interleaving of channel groups).

Example::

    >>> gg.nn.ChannelShuffle(2)(gg.arange(4.0).reshape(1, 4, 1)).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
"""
from ...ops.pixelshuffle import channel_shuffle
from ..module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the channels (dim 1) of (N, C, *) input into ``groups`` groups and interleave
    them.

    Example::

        >>> gg.nn.ChannelShuffle(3)
        ChannelShuffle(groups=3)
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
