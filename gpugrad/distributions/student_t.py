from __future__ import annotations
import math

import gpugrad as gg
from math import inf, nan  # noqa: F401
from ..tensor import Tensor  # noqa: F401
from . import constraints
from .distribution import Distribution
from .gamma import _standard_gamma
from .utils import _standard_normal, broadcast_all


__all__ = ["StudentT"]


class StudentT(Distribution):
    r"""
    Creates a Student's t-distribution parameterized by degree of
    freedom :attr:`df`, mean :attr:`loc` and scale :attr:`scale`.

    Example::

        >>> m = StudentT(gg.tensor([2.0]))
        >>> m.log_prob(gg.tensor([0.0]))
        tensor([-1.0397])
        >>> m.sample((3,)).shape
        gpugrad.Size([3, 1])

    Args:
        df (float or Tensor): degrees of freedom
        loc (float or Tensor): mean of the distribution
        scale (float or Tensor): scale of the distribution
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        m = self.loc.clone()
        m = gg.where(self.df <= 1, nan, m)
        return m

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        m = self.df.clone()
        m[self.df > 2] = (
            self.scale[self.df > 2].pow(2)
            * self.df[self.df > 2]
            / (self.df[self.df > 2] - 2)
        )
        m = gg.where((self.df <= 2) & (self.df > 1), inf, m)
        m = gg.where(self.df <= 1, nan, m)
        return m

    def __init__(
        self,
        df: Tensor | float,
        loc: Tensor | float = 0.0,
        scale: Tensor | float = 1.0,
        validate_args: bool | None = None,
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        batch_shape = self.df.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(StudentT, batch_shape, _instance, ("df", "loc", "scale"))

    def rsample(self, sample_shape=gg.Size()) -> Tensor:
        # NOTE: This does not agree with scipy implementation as much as other distributions.
        # (see https://github.com/fritzo/notebooks/blob/master/debug-student-t.ipynb). Using DoubleTensor
        # parameters seems to help.

        #   X ~ Normal(0, 1)
        #   Z ~ Chi2(df)
        #   Y = X / sqrt(Z / df) ~ StudentT(df)
        shape = self._extended_shape(sample_shape)
        X = _standard_normal(shape, dtype=self.df.dtype, device=self.df.device)
        # Z ~ Chi2(df) = Gamma(df / 2, rate 1 / 2)
        Z = 2 * _standard_gamma((0.5 * self.df).expand(shape))
        Y = X * gg.rsqrt(Z / self.df)
        return self.loc + self.scale * Y

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (
            self.scale.log()
            + 0.5 * self.df.log()
            + 0.5 * math.log(math.pi)
            + gg.lgamma(0.5 * self.df)
            - gg.lgamma(0.5 * (self.df + 1.0))
        )
        return -0.5 * (self.df + 1.0) * gg.log1p(y**2.0 / self.df) - Z

    def entropy(self):
        lbeta = (
            gg.lgamma(0.5 * self.df)
            + math.lgamma(0.5)
            - gg.lgamma(0.5 * (self.df + 1))
        )
        return (
            self.scale.log()
            + 0.5
            * (self.df + 1)
            * (gg.digamma(0.5 * (self.df + 1)) - gg.digamma(0.5 * self.df))
            + 0.5 * self.df.log()
            + lbeta
        )
