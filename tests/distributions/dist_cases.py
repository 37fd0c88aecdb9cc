"""Distribution cases shared by the tests: a name, a builder taking a namespace
(``torch.distributions`` or ``gg.distributions``) plus parameter tensors, the parameters as
float64 NumPy arrays, and a value inside the support to score."""
import numpy as np

_r = np.random.default_rng(0)
_pos = lambda *s: _r.uniform(0.5, 2.0, s)  # noqa: E731
_unit = lambda *s: _r.uniform(0.1, 0.9, s)  # noqa: E731
_simplex = lambda *s: (lambda a: a / a.sum(-1, keepdims=True))(_r.uniform(0.2, 1, s))  # noqa
_A = _r.normal(size=(3, 3))
_spd = _A @ _A.T + 3 * np.eye(3)
_low, _width = _r.normal(size=3), _pos(3)
_corr = _spd / np.sqrt(np.outer(np.diag(_spd), np.diag(_spd)))
_scale3, _gp_loc = _pos(3), _r.normal(size=3)

# name -> (builder(D, *params), params, value)
CASES = {
    "Normal": (lambda D, m, s: D.Normal(m, s), [_r.normal(size=3), _pos(3)],
               _r.normal(size=3)),
    "Uniform": (lambda D, a, b: D.Uniform(a, a + b), [_low, _width], _low + 0.4 * _width),
    "Bernoulli_probs": (lambda D, p: D.Bernoulli(probs=p), [_unit(3)],
                        np.array([0.0, 1.0, 1.0])),
    "Bernoulli_logits": (lambda D, l: D.Bernoulli(logits=l), [_r.normal(size=3)],
                         np.array([0.0, 1.0, 0.0])),
    "Categorical_probs": (lambda D, p: D.Categorical(probs=p), [_simplex(2, 4)],
                          np.array([1.0, 3.0])),
    "Categorical_logits": (lambda D, l: D.Categorical(logits=l), [_r.normal(size=(2, 4))],
                           np.array([0.0, 2.0])),
    "OneHotCategorical": (lambda D, p: D.OneHotCategorical(probs=p), [_simplex(2, 4)],
                          np.eye(4)[[1, 3]]),
    "Beta": (lambda D, a, b: D.Beta(a, b), [_pos(3), _pos(3)], _unit(3)),
    "Gamma": (lambda D, a, b: D.Gamma(a, b), [_pos(3), _pos(3)], _pos(3)),
    "Dirichlet": (lambda D, a: D.Dirichlet(a), [_pos(2, 3)], _simplex(2, 3)),
    "Exponential": (lambda D, r: D.Exponential(r), [_pos(3)], _pos(3)),
    "Laplace": (lambda D, m, s: D.Laplace(m, s), [_r.normal(size=3), _pos(3)],
                _r.normal(size=3)),
    "Poisson": (lambda D, r: D.Poisson(r), [_pos(3)], np.array([0.0, 2.0, 5.0])),
    "Binomial": (lambda D, p: D.Binomial(10, probs=p), [_unit(3)], np.array([0.0, 3.0, 10.0])),
    "Multinomial": (lambda D, p: D.Multinomial(5, probs=p), [_simplex(2, 3)],
                    np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 5.0]])),
    "LogNormal": (lambda D, m, s: D.LogNormal(m, s), [_r.normal(size=3), _pos(3)], _pos(3)),
    "Cauchy": (lambda D, m, s: D.Cauchy(m, s), [_r.normal(size=3), _pos(3)],
               _r.normal(size=3)),
    "StudentT": (lambda D, d, m, s: D.StudentT(d + 2, m, s), [_pos(3), _r.normal(size=3),
                                                             _pos(3)], _r.normal(size=3)),
    "MVN_cov": (lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c),
                [_r.normal(size=3), _spd], _r.normal(size=3)),
    "MVN_prec": (lambda D, m, c: D.MultivariateNormal(m, precision_matrix=c),
                 [_r.normal(size=3), _spd], _r.normal(size=3)),
    "MVN_tril": (lambda D, m, L: D.MultivariateNormal(m, scale_tril=L),
                 [_r.normal(size=(2, 3)), np.linalg.cholesky(_spd)], _r.normal(size=(2, 3))),
    "Independent": (lambda D, m, s: D.Independent(D.Normal(m, s), 1),
                    [_r.normal(size=(2, 3)), _pos(2, 3)], _r.normal(size=(2, 3))),
    "MixtureSameFamily": (lambda D, w, m, s: D.MixtureSameFamily(
        D.Categorical(logits=w), D.Normal(m, s)),
        [_r.normal(size=(2, 4)), _r.normal(size=(2, 4)), _pos(2, 4)], _r.normal(size=2)),
    "Transformed": (lambda D, m, s: D.TransformedDistribution(
        D.Normal(m, s), [D.AffineTransform(1.0, 2.0), D.SigmoidTransform()]),
        [_r.normal(size=3), _pos(3)], _unit(3)),
    "TransformedTanhExp": (lambda D, m, s: D.TransformedDistribution(
        D.Normal(m, s), D.ComposeTransform([D.TanhTransform(), D.ExpTransform()])),
        [_r.normal(size=3), _pos(3)], np.exp(_r.uniform(-0.9, 0.9, 3))),
    "Chi2": (lambda D, d: D.Chi2(d), [_pos(3)], _pos(3)),
    "ContinuousBernoulli": (lambda D, p: D.ContinuousBernoulli(p), [_unit(3)], _unit(3)),
    "ContinuousBernoulli_logits": (lambda D, l: D.ContinuousBernoulli(logits=l),
                                   [_r.normal(size=3)], _unit(3)),
    "FisherSnedecor": (lambda D, a, b: D.FisherSnedecor(a, b + 4), [_pos(3), _pos(3)],
                       _pos(3)),
    "GeneralizedPareto": (lambda D, m, s, c: D.GeneralizedPareto(m, s, c - 1.5),
                          [_gp_loc, _pos(3), _r.uniform(1.1, 1.9, 3)],
                          _gp_loc + _r.uniform(0.1, 0.5, 3)),
    "Geometric": (lambda D, p: D.Geometric(p), [_unit(3)], np.array([0.0, 2.0, 5.0])),
    "Gumbel": (lambda D, m, s: D.Gumbel(m, s), [_r.normal(size=3), _pos(3)],
               _r.normal(size=3)),
    "HalfCauchy": (lambda D, s: D.HalfCauchy(s), [_pos(3)], _pos(3)),
    "HalfNormal": (lambda D, s: D.HalfNormal(s), [_pos(3)], _pos(3)),
    "InverseGamma": (lambda D, a, b: D.InverseGamma(a + 2, b), [_pos(3), _pos(3)], _pos(3)),
    "Kumaraswamy": (lambda D, a, b: D.Kumaraswamy(a, b), [_pos(3), _pos(3)], _unit(3)),
    "LKJCholesky": (lambda D, c: D.LKJCholesky(3, c), [_pos(2)],
                    np.linalg.cholesky(_corr)),
    "LogisticNormal": (lambda D, m, s: D.LogisticNormal(m, s), [_r.normal(size=2), _pos(2)],
                       _simplex(3)),
    "LowRankMVN": (lambda D, m, f, d: D.LowRankMultivariateNormal(m, f, d),
                   [_r.normal(size=3), _r.normal(size=(3, 2)), _pos(3)], _r.normal(size=3)),
    "NegativeBinomial": (lambda D, n, p: D.NegativeBinomial(n, p), [_pos(3), _unit(3)],
                         np.array([0.0, 3.0, 7.0])),
    "OneHotStraightThrough": (lambda D, p: D.OneHotCategoricalStraightThrough(probs=p),
                              [_simplex(2, 4)], np.eye(4)[[2, 0]]),
    "Pareto": (lambda D, s, a: D.Pareto(s, a + 2), [_scale3, _pos(3)],
               _scale3 + _pos(3)),
    "RelaxedBernoulli": (lambda D, t, p: D.RelaxedBernoulli(t, probs=p),
                         [np.array(0.7), _unit(3)], _unit(3)),
    "RelaxedOneHotCategorical": (lambda D, t, p: D.RelaxedOneHotCategorical(t, probs=p),
                                 [np.array(0.7), _simplex(2, 3)], _simplex(2, 3)),
    "VonMises": (lambda D, m, k: D.VonMises(m, k), [_r.normal(size=3), _pos(3)],
                 _r.uniform(-3, 3, 3)),
    "Weibull": (lambda D, s, c: D.Weibull(s, c), [_pos(3), _pos(3)], _pos(3)),
}
