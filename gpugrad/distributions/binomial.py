from __future__ import annotations

import gpugrad as gg
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import (
    _draw,
    broadcast_all,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)


__all__ = ["Binomial"]


def _clamp_by_zero(x):
    # works like clamp(x, min=0) but has grad at 0 is 0.5
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(Distribution):
    r"""
    Creates a Binomial distribution parameterized by :attr:`total_count` and
    either :attr:`probs` or :attr:`logits` (but not both). :attr:`total_count` must be
    broadcastable with :attr:`probs`/:attr:`logits`.

    Example::

        >>> m = Binomial(100, gg.tensor([0.0, 0.2, 0.8, 1.0]))
        >>> m.mean
        tensor([  0.,  20.,  80., 100.])
        >>> m.log_prob(gg.tensor([0.0, 20.0, 80.0, 100.0]))
        tensor([ 0.0000, -2.3096, -2.3096,  0.0000])

    Args:
        total_count (int or Tensor): number of Bernoulli trials
        probs (Tensor): Event probabilities
        logits (Tensor): Event log-odds
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: Tensor | int = 1,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        _init_count_and_probs(self, total_count, probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        return _expand_count_and_probs(self, Binomial, batch_shape, _instance)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> gg.Size:
        return self._param.size()

    def sample(self, sample_shape=gg.Size()):
        shape = self._extended_shape(sample_shape)
        with gg.no_grad():
            return _draw("binomial", [self.total_count.expand(shape),
                                      self.probs.expand(shape)], self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = gg.lgamma(self.total_count + 1)
        log_factorial_k = gg.lgamma(value + 1)
        log_factorial_nmk = gg.lgamma(self.total_count - value + 1)
        # k * log(p) + (n - k) * log(1 - p) = k * (log(p) - log(1 - p)) + n * log(1 - p)
        #     (case logit < 0)              = k * logit - n * log1p(e^logit)
        #     (case logit > 0)              = k * logit - n * (log(p) - log(1 - p)) + n * log(p)
        #                                   = k * logit - n * logit - n * log1p(e^-logit)
        #     (merge two cases)             = k * logit - n * max(logit, 0) - n * log1p(e^-|logit|)
        normalize_term = (
            self.total_count * _clamp_by_zero(self.logits)
            + self.total_count * gg.log1p(gg.exp(-gg.abs(self.logits)))
            - log_factorial_n
        )
        return (
            value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term
        )

    def entropy(self):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(
                "Inhomogeneous total count not supported by `entropy`."
            )

        log_prob = self.log_prob(self.enumerate_support(False))
        return -(gg.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError(
                "Inhomogeneous total count not supported by `enumerate_support`."
            )
        values = gg.arange(
            1 + total_count, dtype=self._param.dtype, device=self._param.device
        )
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + self._batch_shape)
        return values


def _init_count_and_probs(dist, total_count, probs, logits, validate_args):
    """What Binomial and NegativeBinomial share in ``__init__``: ``total_count`` broadcast with
    exactly one of ``probs`` or ``logits`` (and cast to its dtype)."""
    if (probs is None) == (logits is None):
        raise ValueError(
            "Either `probs` or `logits` must be specified, but not both."
        )
    name, param = ("probs", probs) if probs is not None else ("logits", logits)
    total_count, param = broadcast_all(total_count, param)
    dist.total_count = total_count.type_as(param)
    setattr(dist, name, param)
    dist._param = param
    Distribution.__init__(dist, param.size(), validate_args=validate_args)


def _expand_count_and_probs(dist, cls, batch_shape, _instance):
    """Their ``expand``: total_count and whichever of probs and logits is held."""
    new = dist._get_checked_instance(cls, _instance)
    batch_shape = gg.Size(batch_shape)
    new.total_count = dist.total_count.expand(batch_shape)
    for name in ("probs", "logits"):
        if name in dist.__dict__:
            setattr(new, name, getattr(dist, name).expand(batch_shape))
            new._param = getattr(new, name)
    Distribution.__init__(new, batch_shape, validate_args=False)
    new._validate_args = dist._validate_args
    return new
