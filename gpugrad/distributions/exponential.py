from __future__ import annotations
from .utils import _Number

import gpugrad as gg
from ..tensor import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _uniform, broadcast_all


__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    r"""
    Creates a Exponential distribution parameterized by :attr:`rate`.

    Example::

        >>> m = Exponential(gg.tensor([1.0]))
        >>> m.log_prob(gg.tensor([2.0]))
        tensor([-2.])
        >>> m.icdf(gg.tensor([0.5]))
        tensor([0.6931])

    Args:
        rate (float or Tensor): rate = 1 / scale of the distribution
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return gg.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def __init__(
        self,
        rate: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = gg.Size() if isinstance(rate, _Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(Exponential, batch_shape, _instance, ("rate",))

    def rsample(self, sample_shape=gg.Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = _uniform(shape, self.rate.dtype, self.rate.device)
        return -gg.log1p(-u) / self.rate  # a standard exponential draw by inversion

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - gg.exp(-self.rate * value)

    def icdf(self, value):
        return -gg.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - gg.log(self.rate)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -gg.log(-x)
