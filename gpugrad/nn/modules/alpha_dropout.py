"""Alpha dropout layers: AlphaDropout and FeatureAlphaDropout, for SELU networks.

Example::

    >>> gg.nn.AlphaDropout(0.2)
    AlphaDropout(p=0.2, inplace=False)
"""
from ...ops import alpha_dropout as F
from .dropout import _DropoutNd

__all__ = ["AlphaDropout", "FeatureAlphaDropout"]


class AlphaDropout(_DropoutNd):
    """Alpha dropout of single elements while training (keeps zero mean, unit variance).

    Example::

        >>> gg.nn.AlphaDropout(0.5).eval()(gg.ones(2)).tolist()
        [1.0, 1.0]
    """

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (dim 1) while training.

    Example::

        >>> gg.nn.FeatureAlphaDropout(0.5)(gg.randn(2, 3, 4)).shape
        gpugrad.Size([2, 3, 4])
    """

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
