"""Draws: shapes and dtypes as PyTorch's, inside the support, reproducible under
``gg.manual_seed``, with sample means within a few standard errors of the mean (a fixed
seed, so the checks cannot flake), and the implicit gamma reparameterisation gradient."""
import math

import numpy as np
import pytest

import gpugrad as gg

from dist_cases import CASES

N = 20000


def build(lib, name, dtype="float64", requires_grad=False):
    maker, params, _ = CASES[name]
    ps = [lib.tensor(p, dtype=getattr(lib, dtype), requires_grad=requires_grad)
          for p in params]
    return maker(lib.distributions, *ps)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_shape_dtype_support(torch, name, dtype):
    ours, theirs = build(gg, name, dtype), build(torch, name, dtype)
    gg.manual_seed(0)
    for shape in [(), (5,), (2, 3)]:
        s, t = ours.sample(shape), theirs.sample(shape)
        assert tuple(s.shape) == tuple(t.shape)
        assert s.dtype.name == str(t.dtype).split(".")[-1]
        assert not s.requires_grad
        assert bool(ours.support.check(s).all())


@pytest.mark.parametrize("name", sorted(CASES))
def test_seeded_draws_repeat(name):
    d = build(gg, name)
    gg.manual_seed(7)
    a = d.sample((4,))
    gg.manual_seed(7)
    b = d.sample((4,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_rsample_is_differentiable(name):
    d = build(gg, name, requires_grad=True)
    if not d.has_rsample:
        with pytest.raises(NotImplementedError):
            d.rsample()
        return
    gg.manual_seed(0)
    assert d.rsample((2,)).requires_grad


def _finite(fn):
    try:
        v = fn()
    except NotImplementedError:
        return None
    return v if bool(gg.isfinite(v).all()) else None


@pytest.mark.parametrize("name", sorted(set(CASES) - {"VonMises"}))
def test_sample_mean_within_standard_errors(name):
    d = build(gg, name)
    mean, var = _finite(lambda: d.mean), _finite(lambda: d.variance)
    if mean is None or var is None:
        pytest.skip(f"{name} has no finite mean and variance")
    gg.manual_seed(0)
    s = d.sample((N,)).numpy()
    # Six standard errors: a false alarm has probability ~2e-9 per element.
    np.testing.assert_array_less(np.abs(s.mean(0) - mean.numpy()),
                                 6 * np.sqrt(var.numpy() / N) + 1e-12)
    if name in ("MVN_cov", "MVN_tril", "Multinomial", "Dirichlet", "OneHotCategorical"):
        return
    # The sample variance's standard error, from a fourth-moment bound by the sample itself.
    sv = s.var(0)
    m4 = ((s - s.mean(0)) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(sv - var.numpy()),
                                 6 * np.sqrt(np.maximum(m4 - sv ** 2, 0) / N) + 1e-12)


def test_von_mises_circular_mean():
    # VonMises' mean and variance are circular: E[exp(i x)] = I1(k) / I0(k) exp(i loc).
    loc = gg.tensor([-3.0, 0.5, 2.5], dtype=gg.float64)
    k = gg.tensor([0.5, 2.0, 8.0], dtype=gg.float64)
    gg.manual_seed(0)
    x = gg.distributions.VonMises(loc, k).sample((N,)).numpy()
    r = (gg.special.i1(k) / gg.i0(k)).numpy()
    z = np.exp(1j * x).mean(0)
    expected = r * np.exp(1j * loc.numpy())
    # Each of cos x and sin x has variance at most 1: six standard errors of each part.
    assert np.all(np.abs(z.real - expected.real) < 6 / math.sqrt(N))
    assert np.all(np.abs(z.imag - expected.imag) < 6 / math.sqrt(N))


def test_transformed_sample_distribution():
    # exp(Normal) draws against the log-normal moments.
    d = gg.distributions.TransformedDistribution(
        gg.distributions.Normal(0.0, 0.5), [gg.distributions.ExpTransform()])
    gg.manual_seed(0)
    s = d.sample((N,)).numpy()
    mean, var = math.exp(0.125), (math.exp(0.25) - 1) * math.exp(0.25)
    assert abs(s.mean() - mean) < 6 * math.sqrt(var / N)


def test_standard_gamma_grad_matches_torch(torch):
    from gpugrad.distributions._gamma_math import standard_gamma_grad_array
    r = np.random.default_rng(0)
    alpha = r.uniform(0.05, 30, 500)
    x = torch._standard_gamma(torch.tensor(alpha)).numpy()
    ref = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    # PyTorch's slope is a rational/asymptotic approximation good to about 1e-3 relative.
    np.testing.assert_allclose(standard_gamma_grad_array(x, alpha), ref, rtol=2e-3)


def test_standard_gamma_grad_exact():
    mpmath = pytest.importorskip("mpmath")
    from gpugrad.distributions._gamma_math import standard_gamma_grad_array
    mpmath.mp.dps = 30
    for x, a in [(2.2, 8.3), (0.3, 0.2), (19.6, 0.13), (50.0, 40.0), (1e-3, 0.05),
                 (0.01, 30.0), (3.0, 1.0)]:
        lower = (lambda aa: mpmath.gammainc(aa, 0, x, regularized=True))
        pdf = mpmath.exp((a - 1) * mpmath.log(x) - x - mpmath.loggamma(a))
        exact = float(-mpmath.diff(lower, a) / pdf)
        ours = standard_gamma_grad_array(np.array([x]), np.array([a]))[0]
        assert abs(ours - exact) <= 1e-7 * abs(exact), (x, a, ours, exact)


def test_gammainc_matches_torch(torch):
    from gpugrad.distributions._gamma_math import gammainc
    r = np.random.default_rng(1)
    a = np.concatenate([r.uniform(0.01, 5, 200), r.uniform(5, 500, 100),
                        [1.0, 2.0, 0.0, -1.0, 2.0, 2.0]])
    x = np.concatenate([r.uniform(0, 10, 200), r.uniform(0, 800, 100),
                        [-1.0, 0.0, 1.0, 1.0, np.inf, np.nan]])
    ours = gammainc(gg.tensor(a), gg.tensor(x)).numpy()
    theirs = torch.special.gammainc(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)


def test_gamma_rsample_gradient_is_unbiased():
    # E[x] = alpha for Gamma(alpha, 1), so the mean pathwise slope dx/dalpha is 1; for Beta,
    # dE[x]/da = b / (a + b)^2. Tolerances: six standard errors of the per-draw slopes.
    from gpugrad.distributions._gamma_math import standard_gamma_grad_array
    alpha = gg.tensor([0.3, 1.0, 4.0], dtype=gg.float64, requires_grad=True)
    gg.manual_seed(0)
    x = gg.distributions.Gamma(alpha, 1.0).rsample((N,))
    (slope,) = gg.autograd.grad(x.sum(), alpha)
    per_draw = standard_gamma_grad_array(x.detach().numpy(), np.broadcast_to(
        alpha.detach().numpy(), x.shape))
    np.testing.assert_allclose(slope.numpy(), per_draw.sum(0), rtol=1e-12)
    np.testing.assert_array_less(np.abs(per_draw.mean(0) - 1),
                                 6 * per_draw.std(0) / math.sqrt(N))
    a = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    b = 3.0
    gg.manual_seed(0)
    x = gg.distributions.Beta(a, b).rsample((N,))
    (slope,) = gg.autograd.grad(x.mean(), a)
    # |dx/da| <= 1 for these draws, so the standard error is below 1 / sqrt(N).
    assert abs(slope.item() - b / (2.0 + b) ** 2) < 6 / math.sqrt(N)


def test_gamma_cdf_concentration_grad_raises(torch):
    from torch_compare import same

    def fn(lib):
        c = lib.tensor([2.0], requires_grad=True)
        return lib.autograd.grad(lib.distributions.Gamma(c, 1.0).cdf(lib.tensor([1.0])).sum(),
                                 c)
    same(fn, torch)
