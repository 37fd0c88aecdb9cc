from __future__ import annotations
from .utils import _Number

import gpugrad as gg
from math import inf, nan  # noqa: F401
from ..tensor import Tensor  # noqa: F401
from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all


__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    r"""
    Creates a Fisher-Snedecor distribution parameterized by :attr:`df1` and :attr:`df2`.

    Example::

        >>> m = FisherSnedecor(gg.tensor([1.0]), gg.tensor([2.0]))
        >>> m.log_prob(gg.tensor([1.0]))
        tensor([-1.6479])
        >>> m.sample((2,)).shape
        gpugrad.Size([2, 1])

    Args:
        df1 (float or Tensor): degrees of freedom parameter 1
        df2 (float or Tensor): degrees of freedom parameter 2
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(
        self,
        df1: Tensor | float,
        df2: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)

        if isinstance(df1, _Number) and isinstance(df2, _Number):
            batch_shape = gg.Size()
        else:
            batch_shape = self.df1.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(FisherSnedecor, batch_shape, _instance,
                                       ("df1", "df2", "_gamma1", "_gamma2"))

    @property
    def mean(self) -> Tensor:
        df2 = self.df2.clone()
        df2 = gg.where(df2 <= 2, nan, df2)
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        mode = gg.where(self.df1 <= 2, nan, mode)
        return mode

    @property
    def variance(self) -> Tensor:
        df2 = self.df2.clone()
        df2 = gg.where(df2 <= 4, nan, df2)
        return (
            2
            * df2.pow(2)
            * (self.df1 + df2 - 2)
            / (self.df1 * (df2 - 2).pow(2) * (df2 - 4))
        )

    def rsample(self, sample_shape=gg.Size(())) -> Tensor:
        shape = self._extended_shape(sample_shape)
        #   X1 ~ Gamma(df1 / 2, 1 / df1), X2 ~ Gamma(df2 / 2, 1 / df2)
        #   Y = df2 * df1 * X1 / (df1 * df2 * X2) = X1 / X2 ~ F(df1, df2)
        X1 = self._gamma1.rsample(sample_shape).view(shape)
        X2 = self._gamma2.rsample(sample_shape).view(shape)
        tiny = gg.finfo(X2.dtype).tiny
        X2.clamp_(min=tiny)
        Y = X1 / X2
        Y.clamp_(min=tiny)
        return Y

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        ct1 = self.df1 * 0.5
        ct2 = self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = (ct1 + ct2).lgamma() - ct1.lgamma() - ct2.lgamma()
        t2 = ct1 * ct3.log() + (ct1 - 1) * gg.log(value)
        t3 = (ct1 + ct2) * gg.log1p(ct3 * value)
        return t1 + t2 - t3
