"""gpugrad.nn.init: bounds, statistics, gains, fans, seeding, generators, errors."""
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.nn import init


def _np(t):
    return t.detach().cpu().numpy()


def test_uniform_and_normal_statistics(device):
    gg.manual_seed(0)
    u = init.uniform_(gg.empty(200, 100, device=device), -2.0, 3.0)
    a = _np(u)
    assert a.min() >= -2.0 and a.max() < 3.0
    assert abs(a.mean() - 0.5) < 0.05 and abs(a.std() - 5 / math.sqrt(12)) < 0.05
    n = init.normal_(gg.empty(200, 100, device=device), 1.5, 0.5)
    b = _np(n)
    assert abs(b.mean() - 1.5) < 0.02 and abs(b.std() - 0.5) < 0.02


def test_trunc_normal_bounds(device):
    t = init.trunc_normal_(gg.empty(10000, device=device), mean=0.5, std=1.0, a=-0.5, b=1.0)
    a = _np(t)
    assert a.min() >= -0.5 and a.max() <= 1.0
    assert a.std() < 0.45                      # much narrower than the untruncated 1.0
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(gg.empty(10), mean=10.0, a=-1.0, b=1.0)


def test_constants_eye_dirac():
    assert init.constant_(gg.empty(2, 2), 3.5).tolist() == [[3.5, 3.5], [3.5, 3.5]]
    assert init.ones_(gg.empty(2)).tolist() == [1.0, 1.0]
    assert init.zeros_(gg.ones(2)).tolist() == [0.0, 0.0]
    assert init.eye_(gg.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    w = init.dirac_(gg.empty(2, 2, 3))
    assert w.tolist() == [[[0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0]]]
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(gg.empty(3))


def test_xavier_and_kaiming():
    gg.manual_seed(1)
    w = gg.empty(300, 200)
    fan_in, fan_out = 200, 300
    bound = math.sqrt(6 / (fan_in + fan_out)) * 2.0
    a = _np(init.xavier_uniform_(w, gain=2.0))
    assert np.abs(a).max() <= bound and abs(a.std() - bound / math.sqrt(3)) < 0.02 * bound
    a = _np(init.xavier_normal_(w))
    assert abs(a.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.002
    a = _np(init.kaiming_uniform_(w, nonlinearity="relu"))
    kb = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert np.abs(a).max() <= kb and abs(a.std() - kb / math.sqrt(3)) < 0.02 * kb
    a = _np(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert abs(a.std() - math.sqrt(2 / fan_out)) < 0.002
    conv = gg.empty(8, 4, 3, 3)
    assert init._calculate_fan_in_and_fan_out(conv) == (36, 72)
    a = _np(init.kaiming_uniform_(conv, a=math.sqrt(5)))
    assert np.abs(a).max() <= 1 / math.sqrt(36)


def test_orthogonal():
    for shape in ((5, 3), (3, 5), (4, 2, 2)):
        w = init.orthogonal_(gg.empty(*shape), gain=2.0)
        m = _np(w).reshape(shape[0], -1)
        small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(small, 4 * np.eye(min(m.shape)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(gg.empty(3))


@pytest.mark.torch
def test_gains_and_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same
    for name, param in (("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("selu", None)):
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    same(lambda lib: lib.nn.init.calculate_gain("swish"), torch)
    same(lambda lib: lib.nn.init.calculate_gain("leaky_relu", "x"), torch)
    same(lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)), torch)
    same(lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), mode="fan_avg"), torch)


def test_zero_element_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(gg.empty(0, 3))


def test_seeding_and_generator(device):
    gg.manual_seed(5)
    a = _np(init.normal_(gg.empty(4, device=device)))
    gg.manual_seed(5)
    b = _np(init.normal_(gg.empty(4, device=device)))
    np.testing.assert_array_equal(a, b)
    g1 = gg.Generator(device).manual_seed(9)
    g2 = gg.Generator(device).manual_seed(9)
    c = _np(init.uniform_(gg.empty(4, device=device), generator=g1))
    d = _np(init.uniform_(gg.empty(4, device=device), generator=g2))
    np.testing.assert_array_equal(c, d)


def test_in_place_without_recording():
    p = gg.nn.Parameter(gg.zeros(3, 2))
    version = p._version[0]
    out = init.xavier_uniform_(p)
    assert out is p and p.grad_fn is None and p.requires_grad and p.is_leaf
    assert p._version[0] > version
    h = init.normal_(gg.empty(3, dtype=gg.float16))
    assert h.dtype == gg.float16
