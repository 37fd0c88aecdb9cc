"""Transforms: forward, inverse, log|det J|, shapes, repr and equality against PyTorch's;
gradcheck of each; and the constraints module's checks and reprs."""
import numpy as np
import pytest

import gpugrad as gg

from torch_compare import same

_r = np.random.default_rng(2)
X = _r.uniform(-0.9, 0.9, (2, 3))
POS = _r.uniform(0.3, 2.0, (2, 3))

# name -> (builder(T), input)
TRANSFORMS = {
    "Exp": (lambda T: T.ExpTransform(), X),
    "Affine": (lambda T: T.AffineTransform(0.5, -2.0), X),
    "AffineTensor": (lambda T: T.AffineTransform(0.5, T._lib.tensor([1.0, 2.0, -3.0]),
                                                 event_dim=1), X),
    "Sigmoid": (lambda T: T.SigmoidTransform(), X),
    "Tanh": (lambda T: T.TanhTransform(), X),
    "Softplus": (lambda T: T.SoftplusTransform(), X),
    "Power": (lambda T: T.PowerTransform(T._lib.tensor(2.5)), POS),
    "Abs": (lambda T: T.AbsTransform(), X),
    "Softmax": (lambda T: T.SoftmaxTransform(), X),
    "StickBreaking": (lambda T: T.StickBreakingTransform(), X),
    "LowerCholesky": (lambda T: T.LowerCholeskyTransform(), _r.normal(size=(3, 3))),
    "Compose": (lambda T: T.ComposeTransform([T.TanhTransform(), T.AffineTransform(1.0, 3.0),
                                              T.ExpTransform()]), X),
    "Inverse": (lambda T: T.ExpTransform().inv, POS),
    "Independent": (lambda T: T.IndependentTransform(T.ExpTransform(), 1), X),
    "Reshape": (lambda T: T.ReshapeTransform((2, 3), (6,)), X),
    "PositiveDefinite": (lambda T: T.PositiveDefiniteTransform(), _r.normal(size=(3, 3))),
    "CorrCholesky": (lambda T: T.CorrCholeskyTransform(), _r.normal(size=(2, 3))),
    "Cat": (lambda T: T.CatTransform([T.ExpTransform(), T.TanhTransform()], 1, [1, 2]), X),
    "Stack": (lambda T: T.StackTransform([T.ExpTransform(), T.SigmoidTransform()], 0), X),
    "CumulativeDistribution": (lambda T: T.CumulativeDistributionTransform(
        T._lib.distributions.Normal(0.0, 1.0)), X),
    "Identity": (lambda T: T.identity_transform, X),
}


class _NS:
    """``torch.distributions.transforms`` or ours, with the library reachable as ``_lib``."""

    def __init__(self, lib):
        self._mod = lib.distributions.transforms
        self._lib = lib

    def __getattr__(self, name):
        return getattr(self._mod, name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transform_matches_torch(torch, name, dtype):
    maker, x = TRANSFORMS[name]

    def fn(lib):
        t = maker(_NS(lib))
        xt = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        y = t(xt)
        out = [y, t.inv(y), t.forward_shape((4,) + x.shape), t.inverse_shape(tuple(y.shape)),
               repr(t), t.bijective, t.event_dim, t == maker(_NS(lib)), repr(t.domain),
               repr(t.codomain)]
        try:
            ladj = t.log_abs_det_jacobian(xt, y)
            out += [ladj, lib.autograd.grad((y.sum() + ladj.sum()), xt)]
        except NotImplementedError as e:
            out.append(str(e))
        try:
            out.append(t.sign)
        except NotImplementedError as e:
            out.append(str(e))
        return out
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    same(fn, torch, **tol)


# These have no log|det J| (not bijective, or not square), in PyTorch too.
NO_LADJ = {"Abs", "Reshape", "Softmax", "LowerCholesky", "PositiveDefinite"}


@pytest.mark.parametrize("name", sorted(set(TRANSFORMS) - NO_LADJ))
def test_transform_gradcheck(name):
    maker, x = TRANSFORMS[name]
    t = maker(_NS(gg))

    def fn(xt):
        y = t(xt)
        return y, t.log_abs_det_jacobian(xt, y)
    xt = gg.tensor(x, dtype=gg.float64, requires_grad=True)
    gg.autograd.gradcheck(fn, [xt])
    gg.autograd.gradgradcheck(fn, [xt])


def test_transform_cache(torch):
    def fn(lib):
        t = lib.distributions.transforms.ExpTransform(cache_size=1)
        x = lib.tensor([0.5])
        y = t(x)
        return t.inv(y) is x, t.with_cache(1) is t, repr(t.with_cache(0))
    same(fn, torch)


CONSTRAINTS = {
    "real": lambda C: C.real, "positive": lambda C: C.positive,
    "unit_interval": lambda C: C.unit_interval, "simplex": lambda C: C.simplex,
    "boolean": lambda C: C.boolean, "integer_interval": lambda C: C.integer_interval(0, 2),
    "nonnegative_integer": lambda C: C.nonnegative_integer,
    "greater_than": lambda C: C.greater_than(-0.5), "interval": lambda C: C.interval(-1, 1),
    "half_open_interval": lambda C: C.half_open_interval(0, 1),
    "lower_cholesky": lambda C: C.lower_cholesky,
    "lower_triangular": lambda C: C.lower_triangular,
    "positive_definite": lambda C: C.positive_definite,
    "independent": lambda C: C.independent(C.positive, 1), "one_hot": lambda C: C.one_hot,
    "nonnegative": lambda C: C.nonnegative, "real_vector": lambda C: C.real_vector,
    "less_than": lambda C: C.less_than(1.0), "greater_than_eq": lambda C: C.greater_than_eq(0),
    "positive_integer": lambda C: C.positive_integer, "square": lambda C: C.square,
    "symmetric": lambda C: C.symmetric,
    "positive_semidefinite": lambda C: C.positive_semidefinite,
}

VALUES = [np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([[1.0, 0.0], [0.3, 2.0]]),
          np.array([[2.0, -1.0], [-1.0, 2.0]]), np.array([[-0.5, 1.5], [1.0, 0.0]]),
          np.array([[1.0, 0.0], [0.0, 0.0]])]


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_constraint_check_and_repr(torch, name):
    def fn(lib):
        c = CONSTRAINTS[name](lib.distributions.constraints)
        return [repr(c), c.is_discrete, c.event_dim] + [c.check(lib.tensor(v)) for v in VALUES]
    same(fn, torch)


def test_dependent_constraints(torch):
    def fn(lib):
        C = lib.distributions.constraints
        d = lib.distributions.Uniform(0.0, 1.0)
        return (C.is_dependent(lib.distributions.Uniform.support), C.is_dependent(C.real),
                repr(d.support), d.support.check(lib.tensor([0.5, 1.5])))
    same(fn, torch)


MAT = _r.normal(size=(3, 3))
REGISTRY_CONSTRAINTS = ["real", "positive", "unit_interval", "simplex", "greater_than",
                        "interval", "lower_cholesky", "positive_definite", "independent",
                        "real_vector", "less_than", "half_open_interval", "nonnegative",
                        "greater_than_eq"]


@pytest.mark.parametrize("which", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", REGISTRY_CONSTRAINTS)
def test_constraint_registry(torch, name, which):
    def fn(lib):
        c = CONSTRAINTS[name](lib.distributions.constraints)
        try:
            t = getattr(lib.distributions, which)(c)
        except NotImplementedError as e:
            return str(e)
        x = lib.tensor(MAT if "cholesky" in name or "definite" in name else X,
                       dtype=lib.float64, requires_grad=True)
        y = t(x)
        return [repr(t), y, c.check(y), lib.autograd.grad(y.sum(), x)]
    same(fn, torch, rtol=1e-10, atol=1e-12)
