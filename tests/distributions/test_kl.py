"""kl_divergence against PyTorch's for the registered pairs (values and gradients in float64
and float32), gradcheck of each, and the dispatch rules of register_kl."""
import numpy as np
import pytest

import gpugrad as gg

from torch_compare import same

_r = np.random.default_rng(5)


def _pos(*s):
    return _r.uniform(0.5, 2.0, s)


def _simplex(*s):
    a = _r.uniform(0.2, 1.0, s)
    return a / a.sum(-1, keepdims=True)


def _spd(n=3):
    a = _r.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


# name -> (builder(D, *params) -> (p, q), params)
PAIRS = {
    "Normal-Normal": (lambda D, a, b, c, d: (D.Normal(a, b), D.Normal(c, d)),
                      [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Bernoulli-Bernoulli": (lambda D, a, b: (D.Bernoulli(a), D.Bernoulli(b)),
                            [_r.uniform(0.1, 0.9, 3), _r.uniform(0.1, 0.9, 3)]),
    "Categorical-Categorical": (lambda D, a, b: (D.Categorical(a), D.Categorical(logits=b)),
                                [_simplex(2, 4), _r.normal(size=(2, 4))]),
    "OneHotCategorical": (lambda D, a, b: (D.OneHotCategorical(a), D.OneHotCategorical(b)),
                          [_simplex(2, 4), _simplex(2, 4)]),
    "Beta-Beta": (lambda D, a, b, c, d: (D.Beta(a, b), D.Beta(c, d)),
                  [_pos(3), _pos(3), _pos(3), _pos(3)]),
    "Gamma-Gamma": (lambda D, a, b, c, d: (D.Gamma(a, b), D.Gamma(c, d)),
                    [_pos(3), _pos(3), _pos(3), _pos(3)]),
    "Dirichlet-Dirichlet": (lambda D, a, b: (D.Dirichlet(a), D.Dirichlet(b)),
                            [_pos(2, 3), _pos(2, 3)]),
    "Exponential-Exponential": (lambda D, a, b: (D.Exponential(a), D.Exponential(b)),
                                [_pos(3), _pos(3)]),
    "Laplace-Laplace": (lambda D, a, b, c, d: (D.Laplace(a, b), D.Laplace(c, d)),
                        [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Poisson-Poisson": (lambda D, a, b: (D.Poisson(a), D.Poisson(b)), [_pos(3), _pos(3)]),
    "Uniform-Uniform": (lambda D, a, b: (D.Uniform(a, a + 2.0), D.Uniform(a - b, a + 3.0)),
                        [_r.normal(size=3), _pos(3)]),
    "Uniform-Uniform-inf": (lambda D, a, b: (D.Uniform(a - b, a + 3.0), D.Uniform(a, a + 2.0)),
                            [_r.normal(size=3), _pos(3)]),
    "Binomial-Binomial": (lambda D, a, b: (D.Binomial(5, a), D.Binomial(5, b)),
                          [_r.uniform(0.1, 0.9, 3), _r.uniform(0.1, 0.9, 3)]),
    "MVN-MVN": (lambda D, m1, c1, m2, c2: (
        D.MultivariateNormal(m1, covariance_matrix=(c1 + c1.mT) / 2),
        D.MultivariateNormal(m2, scale_tril=c2.tril())),
        [_r.normal(size=(2, 3)), _spd(), _r.normal(size=3), np.linalg.cholesky(_spd())]),
    "Independent-Independent": (lambda D, a, b, c, d: (
        D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(c, d), 1)),
        [_r.normal(size=(2, 3)), _pos(2, 3), _r.normal(size=(2, 3)), _pos(2, 3)]),
    "Transformed-Transformed": (lambda D, a, b, c, d: (
        D.TransformedDistribution(D.Normal(a, b), D.ExpTransform()),
        D.TransformedDistribution(D.Normal(c, d), D.ExpTransform())),
        [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Beta-Normal": (lambda D, a, b, c, d: (D.Beta(a, b), D.Normal(c, d)),
                    [_pos(3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Gamma-Exponential": (lambda D, a, b, c: (D.Gamma(a, b), D.Exponential(c)),
                          [_pos(3), _pos(3), _pos(3)]),
    "Exponential-Normal": (lambda D, a, c, d: (D.Exponential(a), D.Normal(c, d)),
                           [_pos(3), _r.normal(size=3), _pos(3)]),
    "Uniform-Normal": (lambda D, a, b, c, d: (D.Uniform(a, a + b), D.Normal(c, d)),
                       [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Laplace-Normal": (lambda D, a, b, c, d: (D.Laplace(a, b), D.Normal(c, d)),
                       [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Gumbel-Gumbel": (lambda D, a, b, c, d: (D.Gumbel(a, b), D.Gumbel(c, d)),
                      [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Geometric-Geometric": (lambda D, a, b: (D.Geometric(a), D.Geometric(b)),
                            [_r.uniform(0.1, 0.9, 3), _r.uniform(0.1, 0.9, 3)]),
    "HalfNormal-HalfNormal": (lambda D, a, b: (D.HalfNormal(a), D.HalfNormal(b)),
                              [_pos(3), _pos(3)]),
    "Pareto-Pareto": (lambda D, a, b, c, d: (D.Pareto(a + 1, b), D.Pareto(c, d)),
                      [_pos(3), _pos(3), _r.uniform(0.1, 0.4, 3), _pos(3)]),
    "Cauchy-Cauchy": (lambda D, a, b, c, d: (D.Cauchy(a, b), D.Cauchy(c, d)),
                      [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "ContinuousBernoulli-ContinuousBernoulli": (
        lambda D, a, b: (D.ContinuousBernoulli(a), D.ContinuousBernoulli(b)),
        [_r.uniform(0.1, 0.9, 3), _r.uniform(0.1, 0.9, 3)]),
    "LowRank-LowRank": (lambda D, m1, f1, d1, m2, f2, d2: (
        D.LowRankMultivariateNormal(m1, f1, d1), D.LowRankMultivariateNormal(m2, f2, d2)),
        [_r.normal(size=3), _r.normal(size=(3, 2)), _pos(3), _r.normal(size=3),
         _r.normal(size=(3, 2)), _pos(3)]),
    "MVN-LowRank": (lambda D, m1, c1, m2, f2, d2: (
        D.MultivariateNormal(m1, covariance_matrix=(c1 + c1.mT) / 2),
        D.LowRankMultivariateNormal(m2, f2, d2)),
        [_r.normal(size=3), _spd(), _r.normal(size=3), _r.normal(size=(3, 2)), _pos(3)]),
    "LowRank-MVN": (lambda D, m2, f2, d2, m1, c1: (
        D.LowRankMultivariateNormal(m2, f2, d2),
        D.MultivariateNormal(m1, covariance_matrix=(c1 + c1.mT) / 2)),
        [_r.normal(size=3), _r.normal(size=(3, 2)), _pos(3), _r.normal(size=3), _spd()]),
    "Beta-ContinuousBernoulli": (lambda D, a, b, c: (D.Beta(a, b), D.ContinuousBernoulli(c)),
                                 [_pos(3), _pos(3), _r.uniform(0.1, 0.9, 3)]),
    "Exponential-Gumbel": (lambda D, a, c, d: (D.Exponential(a), D.Gumbel(c, d)),
                           [_pos(3), _r.normal(size=3), _pos(3)]),
    "Gamma-Gumbel": (lambda D, a, b, c, d: (D.Gamma(a, b), D.Gumbel(c, d)),
                     [_pos(3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Gumbel-Normal": (lambda D, a, b, c, d: (D.Gumbel(a, b), D.Normal(c, d)),
                      [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Pareto-Normal": (lambda D, a, b, c, d: (D.Pareto(a, b + 2), D.Normal(c, d)),
                      [_pos(3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Pareto-Exponential": (lambda D, a, b, c: (D.Pareto(a, b), D.Exponential(c)),
                           [_pos(3), _r.uniform(1.2, 2.0, 3), _pos(3)]),
    "Uniform-Gumbel": (lambda D, a, b, c, d: (D.Uniform(a, a + b), D.Gumbel(c, d)),
                       [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Uniform-Pareto": (lambda D, a, b, c, d: (D.Uniform(c + a, c + a + b), D.Pareto(c, d)),
                       [_pos(3), _pos(3), _pos(3), _pos(3)]),
    # Bounds in the parameters' dtype (float32 bounds would put float32 rounding, where
    # NumPy's and PyTorch's logs may differ by an ulp, into the float64 results).
    "Uniform-Beta": (lambda D, a, b: (D.Uniform(a * 0 + 0.2, a * 0 + 0.7), D.Beta(a, b)),
                     [_pos(3), _pos(3)]),
    "Uniform-Gamma": (lambda D, a, b: (D.Uniform(a * 0 + 0.2, a * 0 + 0.7), D.Gamma(a, b)),
                      [_pos(3), _pos(3)]),
    "Uniform-Exponential": (lambda D, a: (D.Uniform(a * 0 + 0.2, a * 0 + 0.7),
                                          D.Exponential(a)), [_pos(3)]),
    "Poisson-Bernoulli-inf": (lambda D, a, b: (D.Poisson(a), D.Bernoulli(b)),
                              [_pos(3), _r.uniform(0.1, 0.9, 3)]),
    "Normal-Gumbel": (lambda D, a, b, c, d: (D.Normal(a, b), D.Gumbel(c, d)),
                      [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
    "Normal-Laplace-unregistered": (lambda D, a, b, c, d: (D.Normal(a, b), D.Cauchy(c, d)),
                                    [_r.normal(size=3), _pos(3), _r.normal(size=3), _pos(3)]),
}

TOL = {"float64": dict(rtol=1e-7, atol=1e-9), "float32": dict(rtol=5e-5, atol=5e-6)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_kl_matches_torch(torch, name, dtype):
    maker, params = PAIRS[name]

    def fn(lib):
        ps = [lib.tensor(p, dtype=getattr(lib, dtype), requires_grad=True) for p in params]
        p, q = maker(lib.distributions, *ps)
        kl = lib.distributions.kl_divergence(p, q)
        if not kl.requires_grad:
            return kl, None
        return kl, list(lib.autograd.grad(kl.sum(), ps, allow_unused=True))
    same(fn, torch, **TOL[dtype])


@pytest.mark.parametrize("name", sorted(set(PAIRS) - {"Normal-Laplace-unregistered",
                                                      "Uniform-Uniform-inf",
                                                      "Poisson-Bernoulli-inf"}))
def test_kl_gradcheck(name):
    maker, params = PAIRS[name]
    ps = [gg.tensor(p, dtype=gg.float64, requires_grad=True) for p in params]
    gg.distributions.Distribution.set_default_validate_args(False)
    try:
        fn = lambda *a: gg.distributions.kl_divergence(*maker(gg.distributions, *a))  # noqa
        gg.autograd.gradcheck(fn, ps)
        gg.autograd.gradgradcheck(fn, ps)
    finally:
        gg.distributions.Distribution.set_default_validate_args(True)


def test_register_kl_dispatch(torch):
    def fn(lib):
        D = lib.distributions

        class MyNormal(D.Normal):
            pass

        @D.register_kl(MyNormal, D.Normal)
        def _kl(p, q):
            return p.loc * 0 + 42.0

        p = MyNormal(lib.tensor([0.0]), lib.tensor([1.0]))
        q = D.Normal(lib.tensor([1.0]), lib.tensor([2.0]))
        return D.kl_divergence(p, q), D.kl_divergence(q, p)
    same(fn, torch)


def test_register_kl_errors(torch):
    same(lambda lib: lib.distributions.register_kl(3, lib.distributions.Normal), torch)
    same(lambda lib: lib.distributions.register_kl(lib.distributions.Normal, 3), torch)
