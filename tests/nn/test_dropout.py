"""Dropout: train/eval switching, statistics, corner cases, saved mask, no graph under no_grad."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def test_train_and_eval(device):
    d = nn.Dropout(0.5)
    x = gg.ones(1000, device=device)
    y = d(x).cpu().numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6
    d.eval()
    assert d(x) is x
    d.train()
    assert (d(x).cpu().numpy() == 0).any()


def test_statistics_and_scaling(device):
    gg.manual_seed(0)
    x = gg.ones(20000, device=device)
    for p in (0.1, 0.3, 0.8):
        y = F.dropout(x, p).cpu().numpy()
        assert abs((y == 0).mean() - p) < 0.02
        np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
        assert abs(y.mean() - 1.0) < 0.05


def test_corner_cases(device):
    x = gg.tensor([1.0, float("nan"), float("inf")], device=device, requires_grad=True)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.7, training=False) is x
    y = F.dropout(x, 1.0)
    out = y.detach().cpu().numpy()
    assert out[0] == 0 and np.isnan(out[1]) and np.isnan(out[2])   # x * 0, as torch
    y.sum().backward()
    assert x.grad.cpu().tolist() == [0.0, 0.0, 0.0]
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="dropout probability"):
            nn.Dropout(p)


def test_reproducible_with_manual_seed(device):
    x = gg.ones(64, device=device)
    gg.manual_seed(3)
    a = F.dropout(x, 0.5).cpu().numpy()
    gg.manual_seed(3)
    b = F.dropout(x, 0.5).cpu().numpy()
    np.testing.assert_array_equal(a, b)


def test_gradient_is_the_mask(device):
    x = gg.randn(50, device=device, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.backward(gg.ones(50, device=device))
    kept = y.detach().cpu().numpy() != 0
    np.testing.assert_allclose(x.grad.cpu().numpy(), kept / 0.6, rtol=1e-6)


def test_gradcheck_with_fixed_mask():
    x = gg.randn(3, 4, dtype=gg.float64, requires_grad=True)

    def fn(t):
        gg.manual_seed(7)                      # the same mask on every evaluation
        return F.dropout(t, 0.3) * t
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_saves_bool_mask_not_input():
    x = gg.randn(8, 8, requires_grad=True)
    y = F.dropout(x, 0.5)
    saved = y.grad_fn._saved
    assert len(saved) == 1
    st = saved[0]
    assert not st.is_output and st.tensor is not x
    assert st.tensor.dtype == gg.bool and st.tensor.shape == (8, 8)


def test_linear_relu_dropout_no_graph_under_no_grad():
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Dropout(0.5))
    x = gg.randn(4, 6, requires_grad=True)
    with gg.no_grad():
        out = model(x)
    assert out.grad_fn is None and not out.requires_grad
    # With grad on: relu keeps its output, dropout a bool mask, linear its input only
    # because the weight needs a gradient.
    h = model[0](x)
    r = model[1](h)
    d = model[2](r)
    relu_saved = r.grad_fn._saved
    assert len(relu_saved) == 1 and relu_saved[0].is_output
    drop_saved = d.grad_fn._saved
    assert len(drop_saved) == 1 and drop_saved[0].tensor.dtype == gg.bool


def test_channel_dropout(device):
    gg.manual_seed(1)
    x = gg.ones(8, 16, 3, 3, device=device, requires_grad=True)
    y = F.dropout2d(x, 0.5)
    per_channel = y.detach().cpu().numpy().reshape(8, 16, 9)
    # Whole channels are kept or dropped together.
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel == 0).all(-1).mean() < 1
    assert y.grad_fn._saved[0].tensor.shape == (8, 16, 1, 1)   # a small mask
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), y.detach().cpu().numpy())
    z = nn.Dropout1d(0.5)(gg.ones(2, 5, 7, device=device)).cpu().numpy()
    assert np.all((z == 0).all(-1) | (z == 2).all(-1))
    unbatched = F.dropout1d(gg.ones(5, 7, device=device), 0.5).cpu().numpy()
    assert np.all((unbatched == 0).all(-1) | (unbatched == 2).all(-1))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(gg.ones(1, 2, 3, 4), 0.5)
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        F.dropout2d(gg.ones(2, 3, 4), 0.5)
    assert nn.Dropout3d(0.2).eval()(x) is x


def test_inplace(device):
    x = gg.ones(100, device=device)
    assert F.dropout(x, 0.5, inplace=True) is x
    assert set(np.unique(x.cpu().numpy())) <= {0.0, 2.0}
    leaf = gg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.Dropout(0.5, inplace=True)(leaf)


def test_float16():
    y = F.dropout(gg.ones(100, dtype=gg.float16), 0.5)
    assert y.dtype == gg.float16
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}


@pytest.mark.torch
def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for spec in ("Dropout()", "Dropout(0.1, True)", "Dropout1d(0.2)", "Dropout2d()",
                 "Dropout3d(p=0.3)"):
        assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec, {"torch": torch}))
