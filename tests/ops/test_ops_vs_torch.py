"""Every differentiable op in the table of op_cases.py, three ways:

- its values, dtypes and gradients equal PyTorch's, forward in float32 and float64;
- a float64 gradcheck (autograd against central differences);
- a float64 gradgradcheck (second derivatives through ``create_graph=True``).
"""
import zlib

import numpy as np
import pytest

import gpugrad as gg
from op_cases import ALL

IDS = [f"{family}-{case.name}" for family, case in ALL]
CASES = [case for _, case in ALL]
TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-11)}


def _arrays(case, dtype):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    arrays = []
    for spec in case.inputs:
        a = spec.draw(rng, dtype)
        if spec.kind == "const" and a.dtype.kind == "f":
            a = a.astype(dtype)
        arrays.append(a)
    return arrays


def _tensors(lib, case, arrays, device=None):
    out = []
    for spec, a in zip(case.inputs, arrays):
        t = lib.tensor(a, device=device) if device else lib.tensor(a)
        if spec.differentiable:
            t.requires_grad_(True)
        out.append(t)
    return out


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def to_np(t):
    return np.asarray(t.detach().cpu().numpy())


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case, dtype, device, torch):
    arrays = _arrays(case, dtype)
    ours = _tensors(gg, case, arrays, device)
    theirs = _tensors(torch, case, arrays)
    got = _as_list(case.fn(gg, *ours))
    want = _as_list(case.fn(torch, *theirs))
    assert len(got) == len(want)
    tol = TOL[dtype]
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape)
        assert _dtype_name(g) == _dtype_name(w)
        assert g.requires_grad == w.requires_grad
        np.testing.assert_allclose(to_np(g), w.detach().numpy(), **tol)

    diff_out = [i for i, w in enumerate(want) if w.requires_grad]
    diff_in = [i for i, s in enumerate(case.inputs) if s.differentiable]
    if not diff_out or not diff_in:
        return
    rng = np.random.default_rng(1)
    gos = [rng.standard_normal(tuple(want[i].shape)).astype(dtype) for i in diff_out]
    g_grads = gg.autograd.grad([got[i] for i in diff_out], [ours[i] for i in diff_in],
                               [gg.tensor(a, device=device) for a in gos], allow_unused=True)
    t_grads = torch.autograd.grad([want[i] for i in diff_out], [theirs[i] for i in diff_in],
                                  [torch.tensor(a) for a in gos], allow_unused=True)
    for k, (g, w) in enumerate(zip(g_grads, t_grads)):
        assert (g is None) == (w is None), f"gradient {k}: ours {g}, torch {w}"
        if g is not None:
            assert g.dtype.name == _dtype_name(w)
            assert tuple(g.shape) == tuple(w.shape)
            np.testing.assert_allclose(to_np(g), w.numpy(), **tol)


def _float64_inputs(case, device):
    return _tensors(gg, case, _arrays(case, "float64"), device)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case, device):
    inputs = _float64_inputs(case, device)
    assert gg.autograd.gradcheck(lambda *ts: case.fn(gg, *ts), inputs)


@pytest.mark.parametrize("case", [c for c in CASES if c.gradgrad],
                         ids=[i for i, c in zip(IDS, CASES) if c.gradgrad])
def test_gradgradcheck(case, device):
    inputs = _float64_inputs(case, device)
    assert gg.autograd.gradgradcheck(lambda *ts: case.fn(gg, *ts), inputs)
