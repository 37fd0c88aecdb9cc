from __future__ import annotations
from .utils import _Number

import gpugrad as gg
from ..tensor import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from ._gamma_math import gammainc, standard_gamma
from .utils import broadcast_all


__all__ = ["Gamma"]


def _standard_gamma(concentration):
    return standard_gamma(concentration)


class Gamma(ExponentialFamily):
    r"""
    Creates a Gamma distribution parameterized by shape :attr:`concentration` and :attr:`rate`.

    Example::

        >>> m = Gamma(gg.tensor([1.0]), gg.tensor([1.0]))
        >>> m.log_prob(gg.tensor([2.0]))
        tensor([-2.])
        >>> m.cdf(gg.tensor([2.0]))
        tensor([0.8647])

    Args:
        concentration (float or Tensor): shape parameter of the distribution
            (often referred to as alpha)
        rate (float or Tensor): rate parameter of the distribution
            (often referred to as beta), rate = 1 / scale
    """

    arg_constraints = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def __init__(
        self,
        concentration: Tensor | float,
        rate: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, _Number) and isinstance(rate, _Number):
            batch_shape = gg.Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(Gamma, batch_shape, _instance, ("concentration", "rate"))

    def rsample(self, sample_shape=gg.Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        # The draws are already clamped to the dtype's tiny, so that they stay positive.
        return _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        value = gg.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (
            gg.xlogy(self.concentration, self.rate)
            + gg.xlogy(self.concentration - 1, value)
            - self.rate * value
            - gg.lgamma(self.concentration)
        )

    def entropy(self):
        return (
            self.concentration
            - gg.log(self.rate)
            + gg.lgamma(self.concentration)
            + (1.0 - self.concentration) * gg.digamma(self.concentration)
        )

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return gg.lgamma(x + 1) + (x + 1) * gg.log(-y.reciprocal())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)
