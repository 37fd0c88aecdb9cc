from __future__ import annotations

import gpugrad as gg
from ..tensor import Tensor
from .gamma import _standard_gamma
from . import constraints
from .exp_family import ExponentialFamily


__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    r"""
    Creates a Dirichlet distribution parameterized by concentration :attr:`concentration`.

    Example::

        >>> m = Dirichlet(gg.tensor([0.5, 0.5]))
        >>> m.log_prob(gg.tensor([0.25, 0.75]))
        tensor(-0.3077)
        >>> m.sample().sum()
        tensor(1.)

    Args:
        concentration (Tensor): concentration parameter of the distribution
            (often referred to as alpha)
    """

    arg_constraints = {
        "concentration": constraints.independent(constraints.positive, 1)
    }
    support = constraints.simplex
    # rsample normalises reparameterised gamma draws, so its gradient is the pathwise one of
    # that construction (PyTorch's own Dirichlet gradient is another unbiased estimator).
    has_rsample = True

    def __init__(
        self,
        concentration: Tensor,
        validate_args: bool | None = None,
    ) -> None:
        if concentration.dim() < 1:
            raise ValueError(
                "`concentration` parameter must be at least one-dimensional."
            )
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = gg.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        super(Dirichlet, new).__init__(
            batch_shape, self.event_shape, validate_args=False
        )
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration.expand(shape))  # clamped to tiny: positive
        return x / x.sum(-1, True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (
            gg.xlogy(self.concentration - 1.0, value).sum(-1)
            + gg.lgamma(self.concentration.sum(-1))
            - gg.lgamma(self.concentration).sum(-1)
        )

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1)
        # Out of place (a masked write would break the gradient of ``mode``): rows whose
        # concentrations are all below one put their mode at the largest one.
        one_hot = gg.nn.functional.one_hot(mode.argmax(dim=-1), concentrationm1.shape[-1])
        return gg.where(mask.unsqueeze(-1), one_hot.to(mode), mode)

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, True)
        return (
            self.concentration
            * (con0 - self.concentration)
            / (con0.pow(2) * (con0 + 1))
        )

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (
            gg.lgamma(self.concentration).sum(-1)
            - gg.lgamma(a0)
            - (k - a0) * gg.digamma(a0)
            - ((self.concentration - 1.0) * gg.digamma(self.concentration)).sum(-1)
        )

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - gg.lgamma(x.sum(-1))
