"""EmbeddingBag and embedding_bag: parity with PyTorch (values, grads of the weight and of
per_sample_weights, errors, repr, state_dict), gradcheck and gradgradcheck."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

W = np.random.default_rng(0).standard_normal((6, 3))
IDX = [0, 2, 1, 3, 2, 5, 5, 4]

# (input, offsets, extra keyword arguments); offsets include an empty bag and a 2-D input.
BAGS = [
    (IDX, [0, 2, 2, 5], {}),
    ([[0, 2, 1], [3, 2, 5]], None, {}),
    (IDX, [0, 3, 8], dict(include_last_offset=True)),
    (IDX, [0], {}),
    ([], [0, 0], {}),
]


@pytest.mark.parametrize("bags", range(len(BAGS)))
# (max mode rejects scale_grad_by_freq: see test_errors.)
@pytest.mark.parametrize("mode,freq", [("sum", False), ("sum", True), ("mean", False),
                                       ("mean", True), ("max", False)])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(torch, bags, mode, freq, padding_idx, dtype):
    from torch_compare import same
    idx, off, kw = BAGS[bags]
    kw = dict(kw, scale_grad_by_freq=freq)

    def run(lib):
        w = lib.tensor(W.astype(dtype), requires_grad=True)
        i = lib.tensor(idx, dtype=lib.int64)
        o = None if off is None else lib.tensor(off)
        y = lib.nn.functional.embedding_bag(i, w, o, mode=mode, padding_idx=padding_idx, **kw)
        g = lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)
        (y * g).sum().backward()
        return y, w.grad
    same(run, torch)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_per_sample_weights(torch, dtype):
    from torch_compare import same
    psw = np.linspace(-1, 2, len(IDX))

    def run(lib):
        w = lib.tensor(W.astype(dtype), requires_grad=True)
        p = lib.tensor(psw.astype(dtype), requires_grad=True)
        y = lib.nn.functional.embedding_bag(lib.tensor(IDX), w, lib.tensor([0, 3, 3]),
                                            mode="sum", per_sample_weights=p, padding_idx=5)
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        return y, w.grad, p.grad
    same(run, torch)


def test_int32_indices_and_offsets(torch):
    from torch_compare import same
    same(lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor(IDX, dtype=lib.int32), lib.tensor(W), lib.tensor([0, 4], dtype=lib.int32)),
        torch)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck(mode):
    w = gg.tensor(W, requires_grad=True)
    i, o = gg.tensor(IDX), gg.tensor([0, 2, 2, 5])
    assert gradcheck(lambda t: F.embedding_bag(i, t, o, mode=mode, padding_idx=3), [w])
    assert gradgradcheck(lambda t: F.embedding_bag(i, t, o, mode=mode), [w])


def test_gradcheck_per_sample_weights():
    w = gg.tensor(W, requires_grad=True)
    p = gg.tensor(np.linspace(-1, 2, len(IDX)), requires_grad=True)
    i, o = gg.tensor(IDX), gg.tensor([0, 3])

    def f(t, s):
        return F.embedding_bag(i, t, o, mode="sum", per_sample_weights=s)
    assert gradcheck(f, [w, p])
    assert gradgradcheck(f, [w, p])


@pytest.mark.parametrize("idx", [[3, 3, 1, 5, 5, 5, 2], [0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 2],
                                 [4, 0, 4, 4, 1, 0, 3, 3, 3]])
def test_scale_grad_by_freq_matches_torch(torch, idx):
    # PyTorch's CPU kernel divides by a sorted neighbour's count, not always the index's own.
    from torch_compare import same

    def run(lib):
        w = lib.tensor(W, requires_grad=True)
        p = lib.linspace(-1, 1, len(idx), dtype=w.dtype, requires_grad=True)
        y = lib.nn.functional.embedding_bag(lib.tensor(idx), w, lib.tensor([0, 2]), mode="sum",
                                            scale_grad_by_freq=True, per_sample_weights=p)
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        return y, w.grad, p.grad
    same(run, torch)


def test_max_norm(torch):
    from torch_compare import same

    def run(lib):
        w = lib.tensor(W * 3)
        y = lib.nn.functional.embedding_bag(lib.tensor(IDX), w, lib.tensor([0, 4]), max_norm=1.0)
        return y, w
    same(run, torch)


@pytest.mark.parametrize("case", range(20))
def test_errors(torch, case):
    from torch_compare import same

    def run(lib):
        f, t = lib.nn.functional.embedding_bag, lib.tensor
        w, i, o = t(W), t(IDX), t([0, 2])
        return [lambda: f(i, w, t([1, 2])),
                lambda: f(t([0, 1, 2, -1]), w, t([0]), mode="sum"),
                lambda: f(t([0, 1, 2, -1]), w.float(), t([0]), mode="sum"),
                lambda: f(t([[0, 9], [1, 2]]), w),
                lambda: f(t([[0, 9], [1, 2]]), w.float()),
                lambda: f(t([0, 2, 7, 9]), w, t([0]), mode="max"),
                lambda: f(i, w, t([1, 2], dtype=lib.int32)),
                lambda: f(i, w, o, mode="sum", per_sample_weights=lib.ones(8)),
                lambda: f(i * 1.0, w, o),
                lambda: f(i, w, o, padding_idx=7),
                lambda: f(i, w, t([0, 2, 9])),
                lambda: f(i, w, o, mode="max", per_sample_weights=lib.ones(8)),
                lambda: f(i, w, o, mode="foo"),
                lambda: f(i, w, o, per_sample_weights=lib.ones(3)),
                lambda: f(i, lib.ones(3), o),
                lambda: f(i.reshape(2, 4), w, o),
                lambda: f(i, w),
                lambda: f(i, w, o.reshape(1, 2)),
                lambda: f(i.reshape(2, 2, 2), w),
                lambda: f(i, w, o, mode="max", scale_grad_by_freq=True)][case]()
    same(run, torch)


def test_module(torch):
    for build in [lambda n: n.EmbeddingBag(4, 3), lambda n: n.EmbeddingBag(
            4, 3, mode="max", padding_idx=-1, max_norm=1.0, norm_type=1.0,
            scale_grad_by_freq=True, include_last_offset=True),
            lambda n: n.EmbeddingBag(5, 2, mode="sum", padding_idx=0)]:
        ours, theirs = build(nn), build(torch.nn)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert {k: v for k, v in vars(ours).items() if not k.startswith("_")} == \
            {k: v for k, v in vars(theirs).items() if not k.startswith("_")}
    m = nn.EmbeddingBag(5, 2, padding_idx=1)
    np.testing.assert_array_equal(m.weight.detach().numpy()[1], 0.0)
    assert m.weight.requires_grad
    with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
        nn.EmbeddingBag(5, 2, padding_idx=5)


def test_module_forward_and_from_pretrained(torch):
    from torch_compare import same

    def run(lib):
        w = lib.tensor(W)
        bag = lib.nn.EmbeddingBag.from_pretrained(w, mode="sum", padding_idx=2)
        frozen = bag.weight.requires_grad
        psw = lib.linspace(0, 1, 8, dtype=w.dtype)
        y = bag(lib.tensor(IDX), lib.tensor([0, 3]), per_sample_weights=psw)
        thawed = lib.nn.EmbeddingBag.from_pretrained(w, freeze=False, include_last_offset=True)
        z = thawed(lib.tensor(IDX), lib.tensor([0, 3, 8]))
        z.sum().backward()
        return frozen, y, z, thawed.weight.grad
    same(run, torch)
    with pytest.raises(AssertionError, match="Embeddings parameter is expected"):
        nn.EmbeddingBag.from_pretrained(gg.ones(3))


def test_device(device):
    w = gg.tensor(W, device=device, requires_grad=True)
    y = F.embedding_bag(gg.tensor(IDX, device=device), w, gg.tensor([0, 3], device=device),
                        mode="max")
    y.sum().backward()
    assert y.device == w.device and w.grad.device == w.device


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_bags_match_torch(data):
    torch = pytest.importorskip("torch")
    from torch_compare import same
    n = data.draw(st.integers(0, 12))
    idx = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=0, max_size=4)))
    offsets = [0] + cuts
    mode = data.draw(st.sampled_from(["sum", "mean", "max"]))
    freq = mode != "max" and data.draw(st.booleans())
    padding_idx = data.draw(st.sampled_from([None, 0, 3]))

    def run(lib):
        w = lib.tensor(W, requires_grad=True)
        y = lib.nn.functional.embedding_bag(lib.tensor(idx, dtype=lib.int64), w,
                                            lib.tensor(offsets), mode=mode,
                                            scale_grad_by_freq=freq, padding_idx=padding_idx)
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        return y, w.grad
    same(run, torch)
