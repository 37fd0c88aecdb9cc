from __future__ import annotations
from .utils import _Number

import gpugrad as gg
from ..tensor import Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _draw, broadcast_all


__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    r"""
    Creates a Poisson distribution parameterized by :attr:`rate`, the rate parameter.

    Samples are nonnegative integers, with a pmf given by

    .. math::
      \mathrm{rate}^k \frac{e^{-\mathrm{rate}}}{k!}

    Example::

        >>> m = Poisson(gg.tensor([4.0]))
        >>> m.log_prob(gg.tensor([3.0]))
        tensor([-1.6329])
        >>> m.sample((5,)).shape
        gpugrad.Size([5, 1])

    Args:
        rate (Number, Tensor): the rate parameter
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def __init__(
        self,
        rate: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        (self.rate,) = broadcast_all(rate)
        if isinstance(rate, _Number):
            batch_shape = gg.Size()
        else:
            batch_shape = self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_attributes(Poisson, batch_shape, _instance, ("rate",))

    def sample(self, sample_shape=gg.Size()):
        shape = self._extended_shape(sample_shape)
        with gg.no_grad():
            return _draw("poisson", [self.rate.expand(shape)], self.rate.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (gg.log(self.rate),)

    def _log_normalizer(self, x):
        return gg.exp(x)
