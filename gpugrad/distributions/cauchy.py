from __future__ import annotations
from .utils import _Number
import math

import gpugrad as gg
from math import inf, nan  # noqa: F401
from ..tensor import Tensor  # noqa: F401
from . import constraints
from .distribution import Distribution
from .utils import _uniform, broadcast_all


__all__ = ["Cauchy"]


class Cauchy(Distribution):
    r"""
    Samples from a Cauchy (Lorentz) distribution. The distribution of the ratio of
    independent normally distributed random variables with means `0` follows a
    Cauchy distribution.

    Example::

        >>> m = Cauchy(gg.tensor([0.0]), gg.tensor([1.0]))
        >>> m.log_prob(gg.tensor([1.0]))
        tensor([-1.8379])
        >>> m.cdf(gg.tensor([1.0]))
        tensor([0.7500])

    Args:
        loc (float or Tensor): mode or median of the distribution.
        scale (float or Tensor): half width at half maximum.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(
        self,
        loc: Tensor | float,
        scale: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        if isinstance(loc, _Number) and isinstance(scale, _Number):
            batch_shape = gg.Size()
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(Cauchy, batch_shape, _instance, ("loc", "scale"))

    @property
    def mean(self) -> Tensor:
        return gg.full(
            self._extended_shape(), nan, dtype=self.loc.dtype, device=self.loc.device
        )

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return gg.full(
            self._extended_shape(), inf, dtype=self.loc.dtype, device=self.loc.device
        )

    def rsample(self, sample_shape=gg.Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = _uniform(shape, self.loc.dtype, self.loc.device)
        eps = gg.tan(math.pi * (u - 0.5))  # a standard Cauchy draw by inversion
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (
            -math.log(math.pi)
            - self.scale.log()
            - (((value - self.loc) / self.scale) ** 2).log1p()
        )

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gg.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return gg.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
