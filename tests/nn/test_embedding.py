"""Embedding and one_hot: lookups, padding_idx, max_norm, frequency scaling, errors."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

IDX = np.array([[0, 2, 1], [2, 2, 4]])


def _w(device="cpu"):
    data = np.random.default_rng(0).standard_normal((5, 3))
    return gg.tensor(data, device=device, requires_grad=True)


def test_gradcheck(device):
    idx = gg.tensor(IDX, device=device)
    w = _w(device)
    assert gradcheck(lambda t: F.embedding(idx, t), (w,))
    assert gradgradcheck(lambda t: F.embedding(idx, t, padding_idx=2), (w,))
    # scale_grad_by_freq is a heuristic rescaling, not a derivative: checked against torch.


def test_padding_row_gets_no_gradient(device):
    emb = nn.Embedding(5, 3, padding_idx=2).to(device)
    np.testing.assert_array_equal(emb.weight.detach().cpu().numpy()[2], 0)
    emb(gg.tensor(IDX, device=device)).sum().backward()
    grad = emb.weight.grad.cpu().numpy()
    np.testing.assert_array_equal(grad[2], 0)
    np.testing.assert_array_equal(grad[[0, 1, 4]], 1)
    np.testing.assert_array_equal(grad[3], 0)
    assert nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4


@pytest.mark.torch
@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True},
                                    {"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0}])
def test_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(5, 3, **kwargs)
    theirs = torch.nn.Embedding(5, 3, **kwargs)
    theirs.load_state_dict({"weight": torch.from_numpy(ours.weight.detach().numpy().copy())})
    out = ours(gg.tensor(IDX))
    tout = theirs(torch.tensor(IDX))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    # max_norm renormalises the looked-up rows of the weight itself.
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-6)
    assert repr(ours) == repr(theirs)


def test_from_pretrained():
    table = gg.eye(4)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    assert emb(gg.tensor([3])).tolist() == [[0.0, 0.0, 0.0, 1.0]]
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dim"):
        nn.Embedding.from_pretrained(gg.ones(3))


def test_init_statistics():
    gg.manual_seed(0)
    w = nn.Embedding(1000, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_int32_indices_and_shapes():
    emb = nn.Embedding(5, 2)
    out = emb(gg.tensor(IDX, dtype=gg.int32))
    assert out.shape == (2, 3, 2)
    assert emb(gg.tensor(3)).shape == (2,)


@pytest.mark.torch
def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same
    same(lambda lib: lib.nn.functional.embedding(lib.tensor([1, 5]), lib.ones(3, 4)), torch)
    same(lambda lib: lib.nn.functional.embedding(lib.tensor([1, -1]), lib.ones(3, 4)), torch)
    same(lambda lib: lib.nn.Embedding(3, 4, padding_idx=5), torch)
    same(lambda lib: lib.nn.Embedding(3, 4, padding_idx=-4), torch)


def test_float_indices_error():
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have "
                                           "one of the following scalar types: Long, Int"):
        F.embedding(gg.tensor([1.0]), gg.ones(3, 4))


# ------------------------------------------------------------------------ one_hot
def test_one_hot(device):
    t = gg.tensor([[0, 2], [1, 0]], device=device)
    out = F.one_hot(t)
    assert out.dtype == gg.int64 and out.shape == (2, 2, 3)
    assert out.cpu().tolist() == [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]]
    assert F.one_hot(t, 5).shape == (2, 2, 5)


@pytest.mark.torch
def test_one_hot_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same
    F_ = lambda lib: lib.nn.functional  # noqa: E731
    same(lambda lib: F_(lib).one_hot(lib.tensor([1, 2], dtype=lib.int32)), torch)
    same(lambda lib: F_(lib).one_hot(lib.tensor([1, -2])), torch)
    same(lambda lib: F_(lib).one_hot(lib.tensor([1, 3]), 2), torch)
    same(lambda lib: F_(lib).one_hot(lib.tensor([], dtype=lib.int64)), torch)
    same(lambda lib: F_(lib).one_hot(lib.tensor([2, 0]), 4), torch)
