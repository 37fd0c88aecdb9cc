"""Argument and sample validation against PyTorch's exceptions and messages, reprs, and
the validate_args switches."""
import pytest

import gpugrad as gg

from dist_cases import CASES
from torch_compare import same


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr(torch, name):
    maker, params, _ = CASES[name]

    def fn(lib):
        return repr(maker(lib.distributions, *[lib.tensor(p) for p in params]))
    same(fn, torch)


def test_repr_scalar_parameters(torch):
    same(lambda lib: repr(lib.distributions.Normal(0.0, 1.0)), torch)
    same(lambda lib: repr(lib.distributions.Bernoulli(logits=lib.tensor([0.3]))), torch)


BAD = {
    "normal_scale": lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]),
                                                         lib.tensor([1.0, -1.0])),
    "normal_scalar": lambda lib: lib.distributions.Normal(0.0, -1.0),
    "bernoulli_probs": lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([1.5])),
    "bernoulli_none": lambda lib: lib.distributions.Bernoulli(),
    "bernoulli_both": lambda lib: lib.distributions.Bernoulli(lib.tensor([0.5]),
                                                              lib.tensor([0.0])),
    "categorical_simplex": lambda lib: lib.distributions.Categorical(
        probs=lib.tensor([[0.5, -0.1]])),
    "categorical_0d": lambda lib: lib.distributions.Categorical(probs=lib.tensor(0.5)),
    "dirichlet_0d": lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    "beta_negative": lambda lib: lib.distributions.Beta(lib.tensor([1.0]), lib.tensor([-1.0])),
    "gamma_rate": lambda lib: lib.distributions.Gamma(lib.tensor([1.0]), lib.tensor([0.0])),
    "uniform_order": lambda lib: lib.distributions.Uniform(lib.tensor([1.0]),
                                                           lib.tensor([0.0])),
    "poisson_negative": lambda lib: lib.distributions.Poisson(lib.tensor([-1.0])),
    "binomial_count": lambda lib: lib.distributions.Binomial(lib.tensor([-1.0]),
                                                             lib.tensor([0.5])),
    "multinomial_probs": lambda lib: lib.distributions.Multinomial(3, lib.tensor([0.5, 2.0])),
    "mvn_none": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)),
    "mvn_two": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)),
    "mvn_loc_0d": lambda lib: lib.distributions.MultivariateNormal(
        lib.tensor(0.0), covariance_matrix=lib.eye(2)),
    "mvn_cov_1d": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), covariance_matrix=lib.ones(2)),
    "mvn_not_pd": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), covariance_matrix=-lib.eye(2)),
    "mvn_tril": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.tensor([[1.0, 1.0], [0.0, 1.0]])),
    "independent_dims": lambda lib: lib.distributions.Independent(
        lib.distributions.Normal(lib.zeros(2), 1.0), 2),
    "mixture_batch": lambda lib: lib.distributions.MixtureSameFamily(
        lib.distributions.Categorical(logits=lib.zeros(3)),
        lib.distributions.Normal(lib.zeros(2), 1.0)),
    "mixture_type": lambda lib: lib.distributions.MixtureSameFamily(
        lib.distributions.Normal(0.0, 1.0), lib.distributions.Normal(lib.zeros(2), 1.0)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_arguments(torch, case):
    same(lambda lib: repr(BAD[case](lib)), torch)


SCORE = {
    "outside_support": lambda lib: lib.distributions.Exponential(lib.tensor([1.0])).log_prob(
        lib.tensor([-1.0])),
    "not_tensor": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(1.0),
    "not_broadcastable": lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(
        lib.zeros(2)),
    "event_shape": lambda lib: lib.distributions.Dirichlet(lib.ones(3)).log_prob(
        lib.tensor([0.5, 0.5])),
    "bernoulli_value": lambda lib: lib.distributions.Bernoulli(lib.tensor([0.3])).log_prob(
        lib.tensor([0.5])),
    "categorical_value": lambda lib: lib.distributions.Categorical(lib.ones(3) / 3).log_prob(
        lib.tensor(3)),
    "cdf_support": lambda lib: lib.distributions.Uniform(0.0, 1.0).cdf(lib.tensor(2.0)),
    "icdf_not_validated": lambda lib: lib.distributions.Normal(0.0, 1.0).icdf(
        lib.tensor(0.3)),
}


@pytest.mark.parametrize("case", sorted(SCORE))
def test_bad_values(torch, case):
    same(SCORE[case], torch)


def test_broadcast_all_rejects_other_types(torch):
    # The same exception; the text names gpugrad.Tensor but keeps __torch_function__.
    same(lambda lib: lib.distributions.utils.broadcast_all(lib.zeros(2), "a"), torch,
         messages=False)
    with pytest.raises(ValueError, match=r"^Input arguments must all be instances of Number, "
                       r"gpugrad\.Tensor or objects implementing __torch_function__\.$"):
        gg.distributions.utils.broadcast_all(gg.zeros(2), "a")


def test_validate_args_false_skips_checks(torch):
    same(lambda lib: lib.distributions.Normal(0.0, -1.0, validate_args=False).scale, torch)
    same(lambda lib: lib.distributions.Exponential(lib.tensor([1.0]), validate_args=False)
         .log_prob(lib.tensor([-1.0])), torch)


def test_set_default_validate_args(torch):
    same(lambda lib: lib.distributions.Distribution.set_default_validate_args("yes"), torch)
    D = gg.distributions.Distribution
    try:
        D.set_default_validate_args(False)
        assert gg.distributions.Normal(0.0, -1.0).scale.item() == -1.0
    finally:
        D.set_default_validate_args(True)
    with pytest.raises(ValueError):
        gg.distributions.Normal(0.0, -1.0)


def test_sample_n_warns(torch):
    with pytest.warns(FutureWarning, match=r"`sample_n\(n\)` will be deprecated"):
        assert tuple(gg.distributions.Normal(0.0, 1.0).sample_n(3).shape) == (3,)


def _warning_texts(fn):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


def test_missing_arg_constraints_and_support_warn(torch):
    def fn(lib):
        class Custom(lib.distributions.Distribution):
            def __init__(self):
                super().__init__(lib.Size(), validate_args=True)

            def log_prob(self, value):
                self._validate_sample(value)
                return value

        Custom.__qualname__ = "Custom"
        Custom.__module__ = "user"
        return _warning_texts(lambda: Custom().log_prob(lib.tensor(1.0)))
    ours, theirs = fn(gg), fn(torch)
    assert ours == [t.replace("torch", "gpugrad") for t in theirs] and len(ours) == 2
