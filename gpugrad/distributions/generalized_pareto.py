from __future__ import annotations
import math
from numbers import Number, Real

import gpugrad as gg
from math import inf, nan  # noqa: F401
from ..tensor import Tensor  # noqa: F401
from . import constraints, Distribution
from .utils import broadcast_all


__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    r"""
    Creates a Generalized Pareto distribution parameterized by :attr:`loc`, :attr:`scale`, and :attr:`concentration`.

    The Generalized Pareto distribution is a family of continuous probability distributions on the real line.
    Special cases include Exponential (when :attr:`loc` = 0, :attr:`concentration` = 0), Pareto (when :attr:`concentration` > 0,
    :attr:`loc` = :attr:`scale` / :attr:`concentration`), and Uniform (when :attr:`concentration` = -1).

    This distribution is often used to model the tails of other distributions. This implementation is based on the
    implementation in TensorFlow Probability.

    Example::

        >>> m = GeneralizedPareto(gg.tensor([0.1]), gg.tensor([2.0]), gg.tensor([0.4]))
        >>> m.log_prob(gg.tensor([1.0]))
        tensor([-1.2724])
        >>> m.icdf(gg.tensor([0.5]))
        tensor([1.6975])

    Args:
        loc (float or Tensor): Location parameter of the distribution
        scale (float or Tensor): Scale parameter of the distribution
        concentration (float or Tensor): Concentration parameter of the distribution
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(
            loc, scale, concentration
        )
        if (
            isinstance(loc, Number)
            and isinstance(scale, Number)
            and isinstance(concentration, Number)
        ):
            batch_shape = gg.Size()
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(GeneralizedPareto, batch_shape, _instance,
                                       ("loc", "scale", "concentration"))

    def rsample(self, sample_shape=gg.Size()):
        shape = self._extended_shape(sample_shape)
        u = gg.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero = gg.isclose(self.concentration, gg.tensor(0.0))
        safe_conc = gg.where(
            eq_zero, gg.ones_like(self.concentration), self.concentration
        )
        y = 1 / safe_conc + gg.ones_like(z)
        where_nonzero = gg.where(y == 0, y, y * gg.log1p(safe_conc * z))
        log_scale = (
            math.log(self.scale) if isinstance(self.scale, Real) else self.scale.log()
        )
        return -log_scale - gg.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero = gg.isclose(self.concentration, gg.tensor(0.0))
        safe_conc = gg.where(
            eq_zero, gg.ones_like(self.concentration), self.concentration
        )
        where_nonzero = -gg.log1p(safe_conc * z) / safe_conc
        return gg.where(eq_zero, -z, where_nonzero)

    def log_cdf(self, value):
        return gg.log1p(-gg.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return gg.exp(self.log_cdf(value))

    def icdf(self, value):
        loc = self.loc
        scale = self.scale
        concentration = self.concentration
        eq_zero = gg.isclose(concentration, gg.zeros_like(concentration))
        safe_conc = gg.where(eq_zero, gg.ones_like(concentration), concentration)
        logu = gg.log1p(-value)
        where_nonzero = loc + scale / safe_conc * gg.expm1(-safe_conc * logu)
        where_zero = loc - scale * logu
        return gg.where(eq_zero, where_zero, where_nonzero)

    def _z(self, x):
        return (x - self.loc) / self.scale

    @property
    def mean(self):
        concentration = self.concentration
        valid = concentration < 1
        safe_conc = gg.where(valid, concentration, 0.5)
        result = self.loc + self.scale / (1 - safe_conc)
        return gg.where(valid, result, nan)

    @property
    def variance(self):
        concentration = self.concentration
        valid = concentration < 0.5
        safe_conc = gg.where(valid, concentration, 0.25)
        result = self.scale**2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc))
        return gg.where(valid, result, nan)

    def entropy(self):
        ans = gg.log(self.scale) + self.concentration + 1
        return gg.broadcast_to(ans, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        upper = gg.where(
            self.concentration < 0, lower - self.scale / self.concentration, inf
        )
        return constraints.interval(lower, upper)
