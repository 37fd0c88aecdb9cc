"""gg.nn.utils: gradient clipping and parameter/vector conversion, against PyTorch."""
import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.utils as nn_utils


def _grads(lib, arrays, none_at=None):
    params = []
    for i, a in enumerate(arrays):
        p = lib.zeros(a.shape, dtype=lib.float64, requires_grad=True)
        if i != none_at:
            p.grad = lib.tensor(a)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, -math.inf, 3.5, 0.5, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, torch):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(4, 3), (5,), (2, 2, 2)]]
    ours, theirs = _grads(gg, arrays, none_at=1), _grads(torch, arrays, none_at=1)
    nt = float(norm_type)
    total = nn_utils.clip_grad_norm_(ours, max_norm, norm_type=nt)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=nt, foreach=False)
    assert isinstance(total, gg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_accepts_one_tensor_and_generators(torch):
    w = gg.tensor([1.0, 1.0], requires_grad=True)
    w.grad = gg.tensor([3.0, 4.0])
    assert nn_utils.clip_grad_norm_(w, 1.0).item() == pytest.approx(5.0)
    assert np.allclose(w.grad.numpy(), [0.6, 0.8], rtol=1e-6)
    with pytest.warns(UserWarning, match="empty generator"):
        total = nn_utils.clip_grad_norm_((p for p in []), 1.0)
    assert total.item() == 0.0
    v = gg.zeros(2, requires_grad=True)
    v.grad = gg.tensor([0.3, 0.4])
    nn_utils.clip_grad_norm_(iter([v]), 1.0)       # below max_norm: unchanged up to rounding
    assert np.allclose(v.grad.numpy(), [0.3, 0.4])


def test_nonfinite_total_norm(torch):
    w = gg.zeros(2, requires_grad=True)
    w.grad = gg.tensor([1.0, float("inf")])
    t = torch.zeros(2, requires_grad=True)
    t.grad = torch.tensor([1.0, float("inf")])
    with pytest.raises(RuntimeError) as ours:
        nn_utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_([t], 1.0, error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)
    assert w.grad.tolist() == [1.0, float("inf")]           # nothing scaled
    total = nn_utils.clip_grad_norm_([w], 1.0)
    assert math.isinf(total.item()) and w.grad.tolist()[0] == 0.0


def test_clip_grad_norm_float32_keeps_dtype():
    w = gg.zeros(3, requires_grad=True)
    w.grad = gg.tensor([10.0, 0.0, 0.0])
    total = nn_utils.clip_grad_norm_([w], 2.0)
    assert total.dtype == gg.float32 and w.grad.dtype == gg.float32
    assert w.grad.tolist()[0] == pytest.approx(2.0, rel=1e-5)


def test_clip_grad_value_matches_torch(torch):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((3, 4)) * 3, rng.standard_normal(6) * 3]
    ours, theirs = _grads(gg, arrays), _grads(torch, arrays)
    versions = [p.grad._version[0] for p in ours]
    nn_utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5, foreach=False)
    for o, t, v in zip(ours, theirs, versions):
        assert np.array_equal(o.grad.numpy(), t.grad.numpy())
        assert o.grad._version[0] == v + 1


def test_parameters_to_vector_and_back(torch):
    a, b = gg.arange(6.0).reshape(2, 3).requires_grad_(), gg.tensor([7.0, 8.0],
                                                                   requires_grad=True)
    vec = nn_utils.parameters_to_vector([a, b])
    expected = torch.nn.utils.parameters_to_vector(
        [torch.arange(6.0).reshape(2, 3), torch.tensor([7.0, 8.0])])
    assert vec.tolist() == expected.tolist()
    (vec * gg.arange(8.0)).sum().backward()        # differentiable, as in PyTorch
    assert a.grad.tolist() == [[0, 1, 2], [3, 4, 5]] and b.grad.tolist() == [6, 7]
    new = gg.arange(8.0) * 10
    nn_utils.vector_to_parameters(new, [a, b])
    assert a.tolist() == [[0, 10, 20], [30, 40, 50]] and b.tolist() == [60, 70]
    assert a.requires_grad and a.is_leaf
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn_utils.vector_to_parameters([1.0], [a])


def test_reachable_as_gg_nn_utils():
    assert gg.nn.utils.clip_grad_norm_ is nn_utils.clip_grad_norm_
