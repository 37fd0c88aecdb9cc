"""Invertible transforms with log|det J|, for TransformedDistribution and for mapping
unconstrained parameters onto constraints, as ``torch.distributions.transforms``.

Example::

    >>> from gpugrad.distributions.transforms import ExpTransform
    >>> t = ExpTransform()
    >>> t.inv(t(gg.tensor([0.5])))
    tensor([0.5000])
"""
from ._transform_base import (ComposeTransform, IndependentTransform, ReshapeTransform,  # noqa
                              Transform, _InverseTransform, identity_transform)
from ._transform_elementwise import (AbsTransform, AffineTransform, ExpTransform,  # noqa
                                     PowerTransform, SigmoidTransform, SoftplusTransform,
                                     TanhTransform)
from ._transform_structured import (CatTransform, CorrCholeskyTransform,  # noqa
                                    CumulativeDistributionTransform, LowerCholeskyTransform,
                                    PositiveDefiniteTransform, SoftmaxTransform, StackTransform,
                                    StickBreakingTransform)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
    "SoftmaxTransform",
    "StackTransform",
    "StickBreakingTransform",
    "Transform",
    "identity_transform",
]


