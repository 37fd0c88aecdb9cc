"""CosineSimilarity, PairwiseDistance, pairwise_distance, pdist: parity with PyTorch (values,
grads, errors, reprs), gradcheck and gradgradcheck."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
X1, X2 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pairwise_distance(torch, p, keepdim, dtype):
    from torch_compare import same

    def run(lib):
        a = lib.tensor(X1.astype(dtype), requires_grad=True)
        b = lib.tensor(X2.astype(dtype), requires_grad=True)
        y = lib.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim)
        y.sum().backward()
        return y, a.grad, b.grad
    same(run, torch, rtol=1e-4)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), ()), ((2, 1, 3), (4, 3))])
def test_pairwise_distance_shapes(torch, shapes):
    from torch_compare import same
    a, b = (np.arange(int(np.prod(s)), dtype=float).reshape(s) * 0.3 - i for i, s in
            enumerate(shapes))
    same(lambda lib: lib.nn.functional.pairwise_distance(lib.tensor(a), lib.tensor(b)), torch)
    same(lambda lib: lib.nn.PairwiseDistance(1.0, keepdim=True)(lib.tensor(a), lib.tensor(b)),
         torch)


def test_pairwise_distance_integer(torch):
    from torch_compare import same
    same(lambda lib: lib.nn.functional.pairwise_distance(lib.arange(3), lib.arange(3)), torch)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pairwise_distance_gradcheck(p):
    a, b = gg.tensor(X1, requires_grad=True), gg.tensor(X2, requires_grad=True)
    assert gradcheck(lambda s, t: F.pairwise_distance(s, t, p), [a, b])
    assert gradgradcheck(lambda s, t: F.pairwise_distance(s, t, p), [a, b])


@pytest.mark.parametrize("p", [2, 1.0, 3.0, 0.5, 0.0, float("inf")])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pdist(torch, p, dtype):
    from torch_compare import same

    def run(lib):
        x = lib.tensor(X1.astype(dtype), requires_grad=True)
        y = lib.nn.functional.pdist(x, p)
        (y * lib.arange(y.numel(), dtype=y.dtype)).sum().backward()
        return y, x.grad
    same(run, torch, rtol=1e-4)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pdist_gradcheck(p):
    x = gg.tensor(X1, requires_grad=True)
    assert gradcheck(lambda t: F.pdist(t, p), [x])
    assert gradgradcheck(lambda t: F.pdist(t, p), [x])


def test_pdist_edges(torch):
    from torch_compare import same

    def run(lib):
        x = lib.zeros(2, 3, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.pdist(x)
        y.sum().backward()
        one = lib.nn.functional.pdist(lib.ones(1, 3))
        return y, x.grad, one
    same(run, torch)


@pytest.mark.parametrize("case", range(3))
def test_pdist_errors(torch, case):
    from torch_compare import same
    same(lambda lib: [lambda: lib.nn.functional.pdist(lib.ones(2, 3, 4)),
                      lambda: lib.nn.functional.pdist(lib.arange(6).reshape(2, 3)),
                      lambda: lib.nn.functional.pdist(lib.ones(3, 3), -1)][case](), torch)


def test_modules(torch):
    from torch_compare import same
    for build in [lambda n: n.CosineSimilarity(), lambda n: n.CosineSimilarity(0, 1e-6),
                  lambda n: n.PairwiseDistance(), lambda n: n.PairwiseDistance(1.0, 0.0, True)]:
        assert repr(build(nn)) == repr(build(torch.nn))
        assert build(nn).state_dict() == {}
        assert {k: v for k, v in vars(build(nn)).items() if not k.startswith("_")} == \
            {k: v for k, v in vars(build(torch.nn)).items() if not k.startswith("_")}

    def run(lib):
        a = lib.tensor(X1, requires_grad=True)
        y = lib.nn.CosineSimilarity(dim=0)(a, lib.tensor(X2))
        y.sum().backward()
        return y, a.grad, lib.nn.PairwiseDistance(3.0)(lib.tensor(X1), lib.tensor(X2))
    same(run, torch)
