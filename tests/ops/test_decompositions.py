"""gg.linalg and the top-level linear-algebra ops: values and gradients against PyTorch
(float32 and float64, batched), float64 gradcheck for every differentiable op, gradgradcheck
where double backward is claimed, PyTorch's errors, named results and Tensor methods.

Inputs are drawn so that the ops are smooth there: well-conditioned, symmetric
positive-definite, or symmetric with well-separated eigenvalues. Outputs defined only up to
signs (singular and eigenvectors) are compared through sign-invariant functions of them.
"""
import re
import warnings

import numpy as np
import pytest

import gpugrad as gg

TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-8, atol=1e-10)}


# ----------------------------------------------------------------------------- input makers

def _rng(seed):
    return np.random.default_rng(seed)


def well(shape, seed=0):
    """Random square matrices plus n * I: well-conditioned, positive determinant likely."""
    n = shape[-1]
    return _rng(seed).standard_normal(shape) + n * np.eye(n)


def general(shape, seed=0):
    return _rng(seed).standard_normal(shape)


def spd(shape, seed=0):
    x = _rng(seed).standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def sym_distinct(shape, seed=0):
    """Symmetric, eigenvalues 1, 2.5, 4, ... (well separated) in a random basis."""
    n = shape[-1]
    q, _ = np.linalg.qr(_rng(seed).standard_normal(shape))
    w = 1.0 + 1.5 * np.arange(n)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def distinct_sv(shape, seed=0):
    """Matrices with singular values 1, 2, 3, ... (distinct, nonzero)."""
    m, n = shape[-2:]
    k = min(m, n)
    rng = _rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))
    v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))
    s = 1.0 + np.arange(k)[::-1]
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


# --------------------------------------------------------------------------------- the cases
# name -> (fn(lib, *inputs), [input arrays], differentiable input positions)
# ``lib`` is gpugrad or torch; ``L`` below is lib.linalg.

def _sq(t):
    return t * t


CASES = {
    "det": (lambda m, a: m.linalg.det(a), [well((3, 3))]),
    "det_batched": (lambda m, a: m.linalg.det(a), [well((2, 3, 3), 1)]),
    "det_top": (lambda m, a: m.det(a), [well((4, 4), 2)]),
    "slogdet": (lambda m, a: tuple(m.linalg.slogdet(a)), [general((2, 3, 3), 3)]),
    "logdet": (lambda m, a: m.logdet(a), [spd((2, 3, 3), 4)]),
    "inv": (lambda m, a: m.linalg.inv(a), [well((3, 3), 5)]),
    "inv_batched": (lambda m, a: m.linalg.inv(a), [well((2, 2, 3, 3), 6)]),
    "inverse": (lambda m, a: m.inverse(a), [well((4, 4), 7)]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [well((3, 3), 8), general((3, 2), 9)]),
    "solve_vector": (lambda m, a, b: m.linalg.solve(a, b), [well((3, 3), 10), general((3,), 11)]),
    "solve_batch_vector": (lambda m, a, b: m.linalg.solve(a, b),
                           [well((2, 3, 3), 12), general((2, 3), 13)]),
    "solve_broadcast": (lambda m, a, b: m.linalg.solve(a, b),
                        [well((2, 1, 3, 3), 14), general((4, 3, 2), 15)]),
    "solve_right": (lambda m, a, b: m.linalg.solve(a, b, left=False),
                    [well((3, 3), 16), general((2, 3), 17)]),
    "cholesky": (lambda m, a: m.linalg.cholesky(a), [spd((3, 3), 18)]),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a, upper=True), [spd((2, 3, 3), 19)]),
    "cholesky_top": (lambda m, a: m.cholesky(a), [spd((3, 3), 20)]),
    "qr": (lambda m, a: tuple(m.linalg.qr(a)), [general((4, 3), 21)]),
    "qr_square_batched": (lambda m, a: tuple(m.linalg.qr(a)), [general((2, 3, 3), 22)]),
    "qr_top": (lambda m, a: tuple(m.qr(a)), [general((3, 2), 23)]),
    "qr_wide": (lambda m, a: tuple(m.linalg.qr(a)), [general((2, 3, 5), 102)]),
    "qr_wide_r_only": (lambda m, a: m.linalg.qr(a).R, [general((3, 4), 103)]),
    "qr_wide_q_only": (lambda m, a: m.linalg.qr(a).Q, [general((3, 4), 104)]),
    "qr_complete_wide": (lambda m, a: tuple(m.linalg.qr(a, mode="complete")),
                         [general((2, 4), 105)]),
    "svd_tall": (lambda m, a: (lambda r: (r.S, _sq(r.U), _sq(r.Vh), r.U @ r.Vh))(
        m.linalg.svd(a, full_matrices=False)), [distinct_sv((4, 3), 24)]),
    "svd_wide_batched": (lambda m, a: (lambda r: (r.S, _sq(r.U), _sq(r.Vh), r.U @ r.Vh))(
        m.linalg.svd(a, full_matrices=False)), [distinct_sv((2, 2, 4), 25)]),
    "svd_full": (lambda m, a: (lambda r: (r.S, _sq(r.U)[..., :, :2]))(
        m.linalg.svd(a, full_matrices=True)), [distinct_sv((4, 2), 26)]),
    "svd_top": (lambda m, a: (lambda r: (r.S, _sq(r.U), _sq(r.V)))(m.svd(a)),
                [distinct_sv((3, 3), 27)]),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [distinct_sv((2, 3, 4), 28)]),
    "eigh": (lambda m, a: (lambda r: (r.eigenvalues, _sq(r.eigenvectors)))(m.linalg.eigh(a)),
             [sym_distinct((3, 3), 29)]),
    "eigh_upper_batched": (lambda m, a: (lambda r: (r.eigenvalues, _sq(r.eigenvectors)))(
        m.linalg.eigh(a, UPLO="U")), [sym_distinct((2, 4, 4), 30)]),
    "eigh_vectors_only": (lambda m, a: _sq(m.linalg.eigh(a).eigenvectors),
                          [sym_distinct((3, 3), 31)]),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a), [sym_distinct((2, 3, 3), 32)]),
    "pinv_tall": (lambda m, a: m.linalg.pinv(a), [distinct_sv((4, 3), 33)]),
    "pinv_wide": (lambda m, a: m.linalg.pinv(a), [distinct_sv((2, 2, 3), 34)]),
    "pinv_hermitian": (lambda m, a: m.linalg.pinv(a, hermitian=True), [spd((3, 3), 35)]),
    "pinverse": (lambda m, a: m.pinverse(a), [distinct_sv((3, 2), 36)]),
    "matrix_power_3": (lambda m, a: m.linalg.matrix_power(a, 3), [general((2, 3, 3), 37)]),
    "matrix_power_neg": (lambda m, a: m.linalg.matrix_power(a, -2), [well((3, 3), 38)]),
    "matrix_power_0": (lambda m, a: m.matrix_power(a, 0), [general((3, 3), 39)]),
    "matrix_power_1": (lambda m, a: m.matrix_power(a, 1), [general((3, 3), 40)]),
    "vector_norm_2": (lambda m, a: m.linalg.vector_norm(a), [general((3, 4), 41)]),
    "vector_norm_dim": (lambda m, a: m.linalg.vector_norm(a, 3, dim=1, keepdim=True),
                        [general((3, 4), 42)]),
    "vector_norm_p": (lambda m, a: m.linalg.vector_norm(a, 1.5, dim=(0, 2)),
                      [general((2, 3, 4), 43)]),
    "vector_norm_half": (lambda m, a: m.linalg.vector_norm(a, 0.5, dim=-1),
                         [general((3, 4), 44)]),
    "vector_norm_1": (lambda m, a: m.linalg.vector_norm(a, 1, dim=0), [general((3, 4), 45)]),
    "vector_norm_inf": (lambda m, a: m.linalg.vector_norm(a, float("inf"), dim=-1),
                        [general((3, 4), 46)]),
    "vector_norm_ninf": (lambda m, a: m.linalg.vector_norm(a, float("-inf")),
                         [general((3, 4), 47)]),
    "vector_norm_0": (lambda m, a: m.linalg.vector_norm(a, 0, dim=1), [general((3, 4), 48)]),
    "matrix_norm_fro": (lambda m, a: m.linalg.matrix_norm(a), [general((2, 3, 4), 49)]),
    "matrix_norm_nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"),
                        [distinct_sv((2, 3, 4), 50)]),
    "matrix_norm_2": (lambda m, a: m.linalg.matrix_norm(a, 2, keepdim=True),
                      [distinct_sv((2, 3, 3), 51)]),
    "matrix_norm_m2": (lambda m, a: m.linalg.matrix_norm(a, -2), [distinct_sv((4, 3), 52)]),
    "matrix_norm_1": (lambda m, a: m.linalg.matrix_norm(a, 1), [general((2, 3, 4), 53)]),
    "matrix_norm_m1": (lambda m, a: m.linalg.matrix_norm(a, -1, dim=(0, 2)),
                       [general((3, 2, 4), 54)]),
    "matrix_norm_inf": (lambda m, a: m.linalg.matrix_norm(a, float("inf"), keepdim=True),
                        [general((2, 3, 4), 55)]),
    "matrix_norm_ninf": (lambda m, a: m.linalg.matrix_norm(a, float("-inf"), dim=(2, 0)),
                         [general((3, 2, 4), 56)]),
    "norm_default": (lambda m, a: m.linalg.norm(a), [general((2, 3, 4), 57)]),
    "norm_vector_ord": (lambda m, a: m.linalg.norm(a, 3), [general((5,), 58)]),
    "norm_matrix_ord": (lambda m, a: m.linalg.norm(a, float("inf")), [general((3, 4), 59)]),
    "norm_dim": (lambda m, a: m.linalg.norm(a, 1, dim=-1, keepdim=True),
                 [general((2, 3), 60)]),
    "norm_fro_dims": (lambda m, a: m.linalg.norm(a, "fro", dim=(0, 1)),
                      [general((3, 4, 2), 61)]),
    "norm_nuc": (lambda m, a: m.linalg.norm(a, "nuc"), [distinct_sv((3, 4), 62)]),
    "norm_vector_0": (lambda m, a: m.linalg.norm(a, 0), [general((5,), 106)]),
    "vector_norm_dtype": (lambda m, a: m.linalg.vector_norm(a, 3, dtype=m.float64),
                          [general((2, 3), 107)]),
    "matrix_norm_dtype": (lambda m, a: m.linalg.matrix_norm(a, dtype=m.float64),
                          [general((2, 3), 108)]),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), [general((4, 3), 63), general((4, 3), 64)]),
    "cross_broadcast": (lambda m, a, b: m.linalg.cross(a, b, dim=1),
                        [general((2, 3, 1), 65), general((1, 3, 4), 66)]),
    "cross_top_default_dim": (lambda m, a, b: m.cross(a, b, dim=None) if m is gg
                              else m.cross(a, b, dim=0),
                              [general((3, 3), 67), general((3, 3), 68)]),
    "cdist": (lambda m, a, b: m.cdist(a, b), [general((4, 3), 69), general((5, 3), 70)]),
    "cdist_batched_p1": (lambda m, a, b: m.cdist(a, b, p=1.0),
                         [general((2, 3, 2), 71), general((2, 4, 2), 72)]),
    "cdist_p3": (lambda m, a, b: m.cdist(a, b, p=3.0),
                 [general((3, 2), 73), general((4, 2), 74)]),
    "dist": (lambda m, a, b: m.dist(a, b), [general((3, 4), 75), general((4,), 76)]),
    "dist_p": (lambda m, a, b: m.dist(a, b, 1.5), [general((3, 4), 77), general((3, 4), 78)]),
    "multi_dot": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]),
                  [general((3,), 79), general((3, 4), 80), general((4, 2), 81)]),
    "multi_dot_vv": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]),
                     [general((2, 3), 82), general((3, 4), 83), general((4,), 84)]),
    "chain_matmul": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]) if m is not gg
                     else m.chain_matmul(a, b, c),
                     [general((2, 3), 85), general((3, 4), 86), general((4, 2), 87)]),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution,
              [general((5, 3), 88), general((5, 2), 89)]),
    "lstsq_vector_batched": (lambda m, a, b: m.linalg.lstsq(a, b).solution,
                             [general((2, 4, 3), 90), general((2, 4), 91)]),
    "addmv": (lambda m, i, a, v: m.addmv(i, a, v, beta=0.5, alpha=2.0),
              [general((3,), 92), general((3, 4), 93), general((4,), 94)]),
    "addbmm": (lambda m, i, a, b: m.addbmm(i, a, b, beta=1.5, alpha=-1.0),
               [general((3, 2), 95), general((4, 3, 5), 96), general((4, 5, 2), 97)]),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b), [general((3, 4), 98), general((4,), 99)]),
    "vecdot_dim": (lambda m, a, b: m.linalg.vecdot(a, b, dim=0),
                   [general((3, 4), 100), general((3, 4), 101)]),
}

# Ops whose double backward (create_graph=True) is claimed and checked.
GRADGRAD = ["det", "det_batched", "inv", "inv_batched", "solve", "solve_vector",
            "solve_broadcast", "cholesky", "cholesky_upper", "eigvalsh", "matrix_norm_fro",
            "cdist", "cdist_batched_p1", "logdet", "slogdet", "pinv_tall", "matrix_power_neg",
            "vector_norm_p", "cross", "svdvals", "dist"]



def _as_tuple(r):
    return tuple(r) if isinstance(r, (tuple, list)) else (r,)


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else np.asarray(t)


# -------------------------------------------------------------------------- against PyTorch

@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, dtype, device, torch):
    fn, arrays = CASES[name]
    arrays = [a.astype(dtype) for a in arrays]
    ours = [gg.tensor(a, device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got = _as_tuple(fn(gg, *ours))
    with warnings.catch_warnings():
        # torch.cholesky and friends warn that they are deprecated; gpugrad's are not.
        warnings.simplefilter("ignore")
        want = _as_tuple(fn(torch, *theirs))
    assert len(got) == len(want)
    tol = TOL[dtype]
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape), name
        assert g.dtype.name == str(w.dtype).split(".")[-1]
        assert g.requires_grad == w.requires_grad
        np.testing.assert_allclose(_np(g), _np(w), **tol, err_msg=name)
    outs = [i for i, w in enumerate(want) if w.requires_grad]
    rng = _rng(1)
    gos = [rng.standard_normal(tuple(want[i].shape)).astype(dtype) for i in outs]
    g_grads = gg.autograd.grad([got[i] for i in outs], ours,
                               [gg.tensor(a, device=device) for a in gos], allow_unused=True)
    t_grads = torch.autograd.grad([want[i] for i in outs], theirs,
                                  [torch.tensor(a) for a in gos], allow_unused=True)
    for k, (g, w) in enumerate(zip(g_grads, t_grads)):
        if w is None:
            assert g is None or not np.any(_np(g)), f"{name}: gradient {k}"
            continue
        assert g is not None, f"{name}: gradient {k} missing"
        # Gradients go through a solve or an inverse: float32 loses a few more digits.
        gtol = tol if dtype == "float64" else dict(rtol=2e-3, atol=2e-4)
        np.testing.assert_allclose(_np(g), _np(w), **gtol, err_msg=f"{name}: gradient {k}")


# ---------------------------------------------------------------------------- gradcheck

# These read one triangle of a symmetric input: their gradient is the symmetric-matrix
# derivative, which central differences reproduce only through a symmetric input
# (x + x^T) / 2, as PyTorch's own checks of them do.
SYMMETRIC = {"cholesky", "cholesky_top", "cholesky_upper", "eigh", "eigh_upper_batched",
             "eigh_vectors_only", "eigvalsh", "pinv_hermitian"}


def _checked(name):
    fn = CASES[name][0]
    if name in SYMMETRIC:
        return lambda x: fn(gg, (x + x.mT) * 0.5)
    return lambda *xs: fn(gg, *xs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    ins = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in CASES[name][1]]
    assert gg.autograd.gradcheck(_checked(name), ins)


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgradcheck(name):
    ins = [gg.tensor(a, dtype=gg.float64, requires_grad=True) for a in CASES[name][1]]
    assert gg.autograd.gradgradcheck(_checked(name), ins)


def test_gradgradcheck_eigh_eigenvalues():
    a = gg.tensor(sym_distinct((3, 3), 7), requires_grad=True)
    assert gg.autograd.gradgradcheck(lambda x: gg.linalg.eigh((x + x.mT) * 0.5).eigenvalues,
                                     (a,))


def test_gradcheck_cholesky_of_free_matrix():
    # Through a map onto SPD matrices, so that both triangles of the input are exercised.
    x = gg.tensor(general((3, 3), 5), requires_grad=True)

    def f(x):
        return gg.linalg.cholesky(x @ x.mT + 3 * gg.eye(3, dtype=gg.float64))
    assert gg.autograd.gradcheck(f, (x,))
    assert gg.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("a", [[[1.0, 2.0], [2.0, 4.0]],
                               [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
                               np.zeros((2, 3, 3))])
def test_det_gradient_of_singular_matrices(a):
    # The gradient is the cofactor matrix, which exists without an inverse.
    a = np.asarray(a, dtype=np.float64)
    x = gg.tensor(a, requires_grad=True)
    gg.linalg.det(x).sum().backward()
    flat = a.reshape((-1,) + a.shape[-2:])
    n = a.shape[-1]
    cof = np.array([[[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(m, i, 0), j, 1))
                      for j in range(n)] for i in range(n)] for m in flat])
    np.testing.assert_allclose(x.grad.numpy(), cof.reshape(a.shape), atol=1e-12)
    assert gg.autograd.gradcheck(gg.linalg.det, (gg.tensor(a, requires_grad=True),))


def test_slogdet_gradient_of_singular_matrix_is_infinite():
    x = gg.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    gg.linalg.slogdet(x).logabsdet.backward()
    assert np.isinf(x.grad.numpy()).all()


@pytest.mark.torch
def test_svd_full_matrices_gradient_matches_torch(torch):
    a = distinct_sv((4, 2), 3)
    x, t = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    r, s = gg.linalg.svd(x), torch.linalg.svd(t)
    (r.U[:, :2] * r.U[:, :2]).sum().backward()
    (s.U[:, :2] * s.U[:, :2]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------------- values, shapes

def test_factorizations_reconstruct():
    a = gg.tensor(general((2, 4, 3), 1))
    q, r = gg.linalg.qr(a)
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-12)
    u, s, vh = gg.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ vh).numpy(), a.numpy(), atol=1e-12)
    u, s, v = gg.svd(a)
    np.testing.assert_allclose(((u * s.unsqueeze(-2)) @ v.mT).numpy(), a.numpy(), atol=1e-12)
    p = gg.tensor(spd((2, 3, 3), 2))
    low = gg.linalg.cholesky(p)
    np.testing.assert_allclose((low @ low.mT).numpy(), p.numpy(), atol=1e-12)
    w, v = gg.linalg.eigh(p)
    np.testing.assert_allclose(((v * w.unsqueeze(-2)) @ v.mT).numpy(), p.numpy(), atol=1e-12)


@pytest.mark.torch
def test_full_and_complete_shapes(torch):
    a = general((2, 5, 3), 4)
    for mode in ("reduced", "complete", "r"):
        got = gg.linalg.qr(gg.tensor(a), mode=mode)
        want = torch.linalg.qr(torch.tensor(a), mode=mode)
        assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
    got = gg.linalg.svd(gg.tensor(a))
    want = torch.linalg.svd(torch.tensor(a))
    assert [tuple(t.shape) for t in got] == [tuple(t.shape) for t in want]
    got = gg.svd(gg.tensor(a), some=False, compute_uv=False)
    want = torch.svd(torch.tensor(a), some=False, compute_uv=False)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-12)
    got = gg.qr(gg.tensor(a), some=False)
    assert tuple(got.Q.shape) == (2, 5, 5)


def test_named_results_unpack_and_repr():
    a = gg.tensor(spd((3, 3), 1))
    r = gg.linalg.eigh(a)
    w, v = r
    assert w is r.eigenvalues and v is r.eigenvectors and r[0] is w
    assert repr(r).startswith("gpugrad.return_types.linalg_eigh(\neigenvalues=")
    sign, logabs = gg.linalg.slogdet(a)
    assert gg.linalg.slogdet(a).sign.item() == sign.item() == 1.0
    u, s, vh = gg.linalg.svd(a)
    assert gg.linalg.svd(a).Vh.shape == vh.shape
    q, r_ = gg.linalg.qr(a)
    assert gg.linalg.qr(a).R.shape == r_.shape
    res = gg.linalg.lstsq(a, gg.ones(3, dtype=gg.float64))
    sol, residuals, rank, sv = res
    assert res.solution is sol and rank.item() == 3 and rank.dtype == gg.int64


@pytest.mark.torch
def test_matrix_rank_and_lstsq_extras(torch):
    for a in (np.ones((3, 3)), general((2, 4, 3), 2), distinct_sv((3, 5), 3)):
        for kw in ({}, {"hermitian": True}, {"atol": 1.5}, {"rtol": 0.5}):
            if kw.get("hermitian") and a.shape[-1] != a.shape[-2]:
                continue
            if kw.get("hermitian"):
                a = a + np.swapaxes(a, -1, -2)
            got = gg.linalg.matrix_rank(gg.tensor(a), **kw)
            want = torch.linalg.matrix_rank(torch.tensor(a), **kw)
            assert got.tolist() == want.tolist() and got.dtype == gg.int64
    a, b = general((5, 3), 1), general((5, 2), 2)
    got = gg.linalg.lstsq(gg.tensor(a), gg.tensor(b))
    want = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.torch
def test_logdet_signs(torch):
    for a in ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 3.0]]):
        np.testing.assert_equal(gg.logdet(gg.tensor(a)).numpy(),
                                torch.logdet(torch.tensor(a)).numpy())


@pytest.mark.torch
def test_matrix_power_integer_and_zero(torch):
    a = np.arange(9).reshape(3, 3)
    assert gg.linalg.matrix_power(gg.tensor(a), 3).tolist() == \
        torch.linalg.matrix_power(torch.tensor(a), 3).tolist()
    x = gg.tensor(general((2, 3, 3), 3), requires_grad=True)
    y = gg.linalg.matrix_power(x, 0)
    assert y.requires_grad and y.tolist() == np.broadcast_to(np.eye(3), (2, 3, 3)).tolist()
    y.sum().backward()
    assert not x.grad.numpy().any()


def test_no_grad_records_nothing():
    a = gg.tensor(spd((3, 3), 1), requires_grad=True)
    with gg.no_grad():
        for out in (gg.linalg.inv(a), gg.linalg.det(a), gg.linalg.eigh(a).eigenvectors,
                    gg.linalg.svd(a).U, gg.linalg.cholesky(a), gg.linalg.pinv(a)):
            assert out.grad_fn is None and not out.requires_grad


def test_node_names():
    a = gg.tensor(spd((3, 3), 1), requires_grad=True)
    assert type(gg.linalg.det(a).grad_fn).__name__ == "LinalgDetBackward0"
    assert type(gg.linalg.inv(a).grad_fn).__name__ == "LinalgInvExBackward0"
    assert type(gg.linalg.eigh(a).eigenvalues.grad_fn).__name__ == "LinalgEighBackward0"
    assert type(gg.linalg.svd(a).S.grad_fn).__name__ == "LinalgSvdBackward0"


# -------------------------------------------------------------------------- Tensor methods

def test_methods_match_functions():
    a = gg.tensor(spd((2, 3, 3), 3))
    b = gg.tensor(general((2, 3, 3), 4))
    pairs = [
        (a.det(), gg.linalg.det(a)), (a.logdet(), gg.logdet(a)),
        (a.slogdet()[1], gg.linalg.slogdet(a).logabsdet), (a.inverse(), gg.linalg.inv(a)),
        (a.pinverse(), gg.linalg.pinv(a)), (a.matrix_power(3), a @ a @ a),
        (a.cholesky(), gg.linalg.cholesky(a)), (a.cholesky(upper=True), gg.linalg.cholesky(a).mT),
        (a.qr()[1], gg.linalg.qr(a).R), (a.svd()[1], gg.linalg.svdvals(a)),
        (a.svd().V, gg.linalg.svd(a).Vh.mT), (a.cross(b, dim=1), gg.linalg.cross(a, b, dim=1)),
        (a.dist(b), gg.linalg.vector_norm(a - b)),
        (a[0, 0].addmv(a[0], b[0, 0]), a[0, 0] + a[0] @ b[0, 0]),
        (a[0].addbmm(a, b), a[0] + (a @ b).sum(0)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_multi_dot_and_chain_matmul_values():
    xs = [gg.tensor(general(s, i)) for i, s in enumerate([(2, 3), (3, 4), (4, 5), (5, 2)])]
    want = xs[0] @ xs[1] @ xs[2] @ xs[3]
    np.testing.assert_allclose(gg.linalg.multi_dot(xs).numpy(), want.numpy(), atol=1e-12)
    np.testing.assert_allclose(gg.chain_matmul(*xs).numpy(), want.numpy(), atol=1e-12)
    assert gg.linalg.multi_dot([gg.ones(3), gg.ones(3)]).shape == ()


# ------------------------------------------------------------------------------- errors

def _text(s):
    return re.sub(r"(?<![A-Za-z])torch", "gpugrad", s)


ERRORS = [
    "L.inv(m.ones(2, 3))", "L.inv(m.ones(3))", "L.inv(m.ones(2, 2, dtype=m.long))",
    "L.inv(m.tensor([[1., 2.], [2., 4.]]))",
    "L.inv(m.tensor([[[1., 0.], [0., 1.]], [[1., 2.], [2., 4.]]]))",
    "L.inv(m.tensor([[0., 0., 1.], [0., 0., 2.], [1., 3., 0.]]))",
    "m.inverse(m.ones(2, 3))", "L.det(m.ones(2, 3))", "m.det(m.ones(2, 2, dtype=m.long))",
    "L.det(m.ones(3))", "L.slogdet(m.ones(2, 3))",
    "L.solve(m.tensor([[1., 2.], [2., 4.]]), m.ones(2))",
    "L.solve(m.tensor([[[1., 2.], [2., 4.]], [[1., 0.], [0., 1.]]]), m.ones(2, 2, 1))",
    "L.solve(m.ones(2, 3), m.ones(2))", "L.solve(m.eye(2), m.ones(3))",
    "L.solve(m.ones(3, 3, dtype=m.long), m.ones(3))",
    "L.solve(m.ones(3, 2, 2), m.ones(2, 2, 1))",
    "L.cholesky(m.tensor([[1., 2.], [2., 1.]]))",
    "L.cholesky(m.tensor([[[1., 0.], [0., 1.]], [[1., 2.], [2., 1.]]]))",
    "L.cholesky(m.tensor([[4., 0., 0.], [0., 1., 0.], [0., 0., -1.]]))",
    "L.cholesky(m.ones(3, 2))", "L.cholesky(m.ones(2, 2, dtype=m.long))",
    "L.qr(m.ones(3, 3, dtype=m.long))", "L.qr(m.ones(3, 3), mode='x')",
    "L.svd(m.ones(3, 3, dtype=m.long))", "L.svdvals(m.ones(3, 3, dtype=m.long))",
    "L.eigh(m.ones(2, 3))", "L.eigh(m.ones(3, 3), UPLO='X')",
    "L.eigh(m.ones(3, 3, dtype=m.long))", "L.eigvalsh(m.ones(3, 3, dtype=m.long))",
    "L.pinv(m.ones(3, 2, dtype=m.long))", "L.matrix_power(m.ones(2, 3), 2)",
    "L.matrix_power(m.ones(3), 2)", "L.matrix_power(m.ones(3, 3, dtype=m.long), -1)",
    "L.matrix_rank(m.ones(3, 3, dtype=m.long))",
    "L.vector_norm(m.ones(3, dtype=m.long))", "L.vector_norm(m.ones(3), 'fro')",
    "L.matrix_norm(m.ones(3))", "L.matrix_norm(m.ones(3, 3), 'foo')",
    "L.matrix_norm(m.ones(3, 3), 3)", "L.matrix_norm(m.ones(3, 3, dtype=m.long))",
    "L.norm(m.ones(3), 'fro')", "L.norm(m.ones(3, 3, 3), 2)",
    "L.cross(m.ones(2, 2), m.ones(2, 2))", "L.cross(m.ones(2, 3), m.ones(2, 3), dim=0)",
    "L.cross(m.ones(2, 3), m.ones(2, 1, 3))", "L.cross(m.ones(2, 3), m.ones(2, 1))",
    "m.cross(m.ones(2, 2), m.ones(2, 2), dim=None)",
    "L.multi_dot([m.ones(2)])", "L.multi_dot([m.ones(2), m.ones(2, 2, 2)])",
    "L.multi_dot([m.ones(2, 2, 2), m.ones(2)])", "L.multi_dot([m.ones(2), m.ones(2), m.ones(2)])",
    "L.lstsq(m.ones(3, 2, dtype=m.long), m.ones(3))", "L.lstsq(m.ones(3, 2), m.ones(4))",
    "m.cdist(m.ones(3, 2), m.ones(4, 3))", "m.cdist(m.ones(3), m.ones(4, 3))",
    "m.cdist(m.ones(3, 2), m.ones(4, 2), p=-1)",
    "m.cdist(m.ones(3, 2, dtype=m.long), m.ones(4, 2, dtype=m.long))",
    "m.chain_matmul(m.ones(2), m.ones(2, 2))",
    "L.matrix_norm(m.ones(3, 3, 3), dim=(0, 1, 2))", "L.matrix_norm(m.ones(3, 3, 3), dim=(1, 1))",
    "L.norm(m.ones(3, 3, 3), dim=(0, 1, 2))",
    "L.solve(m.eye(2), m.ones(2, dtype=m.float64))", "L.solve(m.eye(2), m.ones(2, 1), left=False)",
    "L.solve(m.eye(2), m.ones(2), left=False)", "L.solve(m.eye(2), m.ones(2, 2, 1), left=False)",
    "L.lstsq(m.ones(3, 2), m.ones(3, dtype=m.float64))", "L.eigh(m.ones(3))", "L.svd(m.ones(3))",
    "L.qr(m.ones(3))", "L.matrix_rank(m.ones(3))", "L.pinv(m.ones(3))", "L.cholesky(m.ones(3))",
    "L.slogdet(m.ones(2, 2, dtype=m.long))", "m.logdet(m.ones(2, 2, dtype=m.long))",
    "m.cross(m.ones(3), m.ones(3, dtype=m.float64))",
    "L.vecdot(m.ones(3), m.ones(3, dtype=m.float64))",
    "L.inv(m.ones(2, 2, dtype=m.half))", "L.det(m.ones(2, 2, dtype=m.half))",
    "L.svd(m.ones(2, 2, dtype=m.half))", "L.cholesky(m.ones(2, 2, dtype=m.half))",
    "L.solve(m.ones(2, 2, dtype=m.half), m.ones(2, dtype=m.half))",
    "L.eigh(m.ones(2, 2, dtype=m.half))", "L.qr(m.ones(2, 2, dtype=m.half))",
    "L.qr(m.ones(3, 2, requires_grad=True), mode='r').R.sum().backward()",
    "L.qr(m.ones(4, 2, requires_grad=True), mode='complete').Q.sum().backward()",
]


@pytest.mark.torch
@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr, torch):
    def run(lib):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"m": lib, "L": lib.linalg})
        except Exception as e:  # compared below
            return e
        return None
    ours, theirs = run(gg), run(torch)
    assert theirs is not None, f"torch did not raise for {expr}"
    assert ours is not None, f"no error for {expr}; torch raised {theirs!r}"
    if isinstance(theirs, torch.linalg.LinAlgError):
        assert isinstance(ours, gg.linalg.LinAlgError)
    assert isinstance(ours, RuntimeError) == isinstance(theirs, RuntimeError)
    assert type(ours).__name__ == type(theirs).__name__ or \
        isinstance(theirs, torch.linalg.LinAlgError)
    assert str(ours) == _text(str(theirs))


def test_linalg_error_is_runtime_error():
    assert issubclass(gg.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="singular"):
        gg.linalg.inv(gg.zeros(2, 2))
    # A failed call leaves no history behind and its inputs untouched.
    a = gg.zeros(2, 2, requires_grad=True)
    with pytest.raises(gg.linalg.LinAlgError):
        gg.linalg.solve(a, gg.ones(2))
    assert a.grad is None and not a.detach().numpy().any()


def test_docstring_examples():
    import doctest
    from gpugrad import linalg
    from gpugrad.ops import decompositions, linalg_extra
    for module in (decompositions, linalg_extra, linalg):
        result = doctest.testmod(module, extraglobs={"gg": gg},
                                 optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__


# ---------------------------------------------------------------- shapes and broadcasting

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_batch = st.lists(st.integers(1, 3), max_size=2).map(tuple)


def _broadcastable(data, shape):
    """A batch shape that broadcasts with ``shape``: some sizes set to 1, leading dims cut."""
    cut = data.draw(st.integers(0, len(shape)))
    return tuple(1 if data.draw(st.booleans()) else n for n in shape[cut:])


@pytest.mark.torch
@settings(max_examples=25, deadline=None)
@given(data=st.data(), batch=_batch, n=st.integers(1, 4), k=st.integers(0, 3))
def test_solve_broadcast_shapes(data, batch, n, k):
    torch = pytest.importorskip("torch")
    other = _broadcastable(data, batch)
    a_batch, b_batch = (batch, other) if data.draw(st.booleans()) else (other, batch)
    a = well(a_batch + (n, n), 1)
    # k == 0: B a vector, alone or in a batch of A.shape[:-1] (torch's rule for vectors)
    b = general((a_batch if b_batch else ()) + (n,) if k == 0 else b_batch + (n, k), 2)
    got = gg.linalg.solve(gg.tensor(a), gg.tensor(b))
    want = torch.linalg.solve(torch.tensor(a), torch.tensor(b))
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.torch
@settings(max_examples=25, deadline=None)
@given(batch=_batch, m=st.integers(1, 4), n=st.integers(1, 4))
def test_batched_shapes_match_torch(batch, m, n):
    torch = pytest.importorskip("torch")
    sq = spd(batch + (n, n), 3)
    rect = general(batch + (m, n), 4)
    for fn, x in ((lambda L, t: L.det(t), sq), (lambda L, t: L.inv(t), sq),
                  (lambda L, t: L.cholesky(t), sq), (lambda L, t: L.eigvalsh(t), sq),
                  (lambda L, t: L.slogdet(t).logabsdet, sq), (lambda L, t: L.svdvals(t), rect),
                  (lambda L, t: L.pinv(t), rect), (lambda L, t: L.matrix_norm(t, "nuc"), rect),
                  (lambda L, t: L.qr(t).R.abs(), rect)):
        got, want = fn(gg.linalg, gg.tensor(x)), fn(torch.linalg, torch.tensor(x))
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-8, atol=1e-10)
