from __future__ import annotations
from .utils import _Number

import gpugrad as gg
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import _uniform, broadcast_all


__all__ = ["Laplace"]


class Laplace(Distribution):
    r"""
    Creates a Laplace distribution parameterized by :attr:`loc` and :attr:`scale`.

    Example::

        >>> m = Laplace(gg.tensor([0.0]), gg.tensor([1.0]))
        >>> m.log_prob(gg.tensor([1.0]))
        tensor([-1.6931])
        >>> m.variance
        tensor([2.])

    Args:
        loc (float or Tensor): mean of the distribution
        scale (float or Tensor): scale of the distribution
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2**0.5) * self.scale

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
        return self._expand_attributes(Laplace, batch_shape, _instance, ("loc", "scale"))

    def rsample(self, sample_shape=gg.Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        finfo = gg.finfo(self.loc.dtype)
        # u ~ Uniform(eps - 1, 1), so that log1p(-|u|) stays finite.
        u = _uniform(shape, self.loc.dtype, self.loc.device) * (2 - finfo.eps) + (finfo.eps - 1)
        return self.loc - self.scale * u.sign() * gg.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -gg.log(2 * self.scale) - gg.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * gg.expm1(
            -(value - self.loc).abs() / self.scale
        )

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * (term).sign() * gg.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + gg.log(2 * self.scale)
