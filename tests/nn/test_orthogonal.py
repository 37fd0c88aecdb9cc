"""nn.utils.parametrizations.orthogonal against PyTorch (matrix_exp, cayley, householder;
square, tall and wide; with and without the trivialization), and gradcheck of the matrix
maps it is built on."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck
from gpugrad.nn.utils._orthogonal import householder_product, matrix_exp

SHAPES = [(4, 4), (5, 3), (3, 5)]
MAPS = [None, "matrix_exp", "cayley", "householder"]


def _load(g, t):
    g.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def _compare(g, t, tol):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("trivial", [True, False])
@pytest.mark.parametrize("orth_map", MAPS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_orthogonal_matches_torch(shape, orth_map, trivial, dtype, tol, torch):
    tdt, gdt = getattr(torch, dtype), getattr(gg, dtype)
    torch.manual_seed(0)
    t = torch.nn.Linear(shape[1], shape[0]).to(tdt)
    g = nn.Linear(shape[1], shape[0]).to(gdt)
    _load(g, t)
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=orth_map,
                                               use_trivialization=trivial)
    assert nn.utils.parametrizations.orthogonal(g, orthogonal_map=orth_map,
                                                use_trivialization=trivial) is g
    assert list(g.state_dict()) == list(t.state_dict())
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    if shape[0] == shape[1] and trivial:
        # The base is the orthogonalised weight: deterministic, so equal to torch's.
        for k, v in t.state_dict().items():
            _compare(g.state_dict()[k], v, tol)
    # Move the original away from where registration put it, the same on both sides.
    with torch.no_grad():
        t.parametrizations.weight.original.add_(
            torch.tensor(np.random.default_rng(1).standard_normal(shape) * 0.3, dtype=tdt))
    _load(g, t)
    _compare(g.weight, t.weight, tol)
    W = g.weight.detach().numpy().astype(np.float64)
    small = W.T @ W if shape[0] >= shape[1] else W @ W.T
    effective = orth_map or ("matrix_exp" if shape[0] == shape[1] else "householder")
    if effective != "householder":
        # (householder scales each column by int(diagonal of the original), as torch
        # does, so a perturbed original may zero columns there.)
        np.testing.assert_allclose(small, np.eye(min(shape)), atol=1e-5)
    x = np.random.default_rng(2).standard_normal((3, shape[1])).astype(dtype)
    gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
    _compare(gy, ty, tol)
    gy.square().sum().backward()
    ty.square().sum().backward()
    for (n, gp), (_, tp) in zip(g.named_parameters(), t.named_parameters()):
        _compare(gp.grad, tp.grad, 20 * tol)


def test_registration_keeps_an_orthogonal_weight_and_assignment_sets_base():
    m = nn.Linear(4, 4).double()
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
    with gg.no_grad():
        m.weight.copy_(gg.tensor(q))
    nn.utils.parametrizations.orthogonal(m)
    _compare(m.weight, gg.tensor(q), 1e-12)      # already orthogonal: kept as it is
    q2 = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    with gg.no_grad():
        m.weight = gg.tensor(q2)
    _compare(m.weight, gg.tensor(q2), 1e-12)
    _compare(m.parametrizations.weight[0].base, gg.tensor(q2), 1e-12)


def test_wide_and_tall_weights_get_orthonormal_rows_or_columns():
    for shape in [(6, 2), (2, 6)]:
        m = nn.Linear(shape[1], shape[0]).double()
        nn.utils.parametrizations.orthogonal(m)
        W = m.weight.detach().numpy()
        small = W.T @ W if shape[0] > shape[1] else W @ W.T
        np.testing.assert_allclose(small, np.eye(2), atol=1e-12)


def test_errors_match_torch(torch):
    def both(make, exc):
        msgs = []
        for lib in (torch, gg):
            with pytest.raises(exc) as e:
                make(lib)
            msgs.append(str(e.value).replace("gpugrad", "torch"))
        assert msgs[0] == msgs[1]

    both(lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3),
                                                             orthogonal_map="qr"), ValueError)
    both(lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "bias"),
         ValueError)

    def wrong_shape(lib):
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3))
        m.weight = lib.zeros(3, 2)
    both(wrong_shape, ValueError)


def test_assigning_without_trivialization_is_refused():
    m = nn.utils.parametrizations.orthogonal(nn.Linear(3, 3), use_trivialization=False)
    with pytest.raises(NotImplementedError):
        m.weight = gg.eye(3)


@pytest.mark.parametrize("scale", [0.5, 8.0])      # 8: the scaling-and-squaring path
def test_matrix_exp_matches_torch_and_gradchecks(scale, torch):
    a = np.random.default_rng(3).standard_normal((2, 3, 3)) * scale
    _compare(matrix_exp(gg.tensor(a)), torch.matrix_exp(torch.tensor(a)), 1e-12 * scale ** 4)
    x = gg.tensor(a[0] * 0.5 / scale, requires_grad=True)
    assert gradcheck(matrix_exp, (x,))
    assert gradgradcheck(matrix_exp, (x,))


def test_householder_product_matches_torch_and_gradchecks(torch):
    rng = np.random.default_rng(4)
    A, tau = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 3))
    _compare(householder_product(gg.tensor(A), gg.tensor(tau)),
             torch.linalg.householder_product(torch.tensor(A), torch.tensor(tau)), 1e-13)
    a = gg.tensor(A[0], requires_grad=True)
    t = gg.tensor(tau[0], requires_grad=True)
    assert gradcheck(householder_product, (a, t))
    assert gradgradcheck(householder_product, (a, t))
