"""PixelShuffle / PixelUnshuffle, ChannelShuffle, Fold / Unfold: values, gradients (twice),
errors and reprs against PyTorch; unfold against gpugrad's own conv2d."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _value_and_grad(lib, fn, a):
    x = lib.tensor(a, requires_grad=True)
    y = fn(lib, x)
    w = lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape).sin()
    (y * w).sum().backward()
    return y, x.grad, y.grad_fn.name()


# ------------------------------------------------------------------ pixel / channel shuffle
SHUFFLES = [
    ("pixel_shuffle", 2, (2, 8, 3, 3)), ("pixel_shuffle", 3, (9, 2, 4)),
    ("pixel_shuffle", 1, (2, 3, 2, 2)), ("pixel_shuffle", 2, (2, 3, 4, 2, 3)),
    ("pixel_unshuffle", 2, (2, 2, 4, 6)), ("pixel_unshuffle", 3, (1, 6, 3)),
    ("pixel_unshuffle", 2, (3, 2, 1, 4, 2)),
    ("channel_shuffle", 2, (2, 8, 3, 3)), ("channel_shuffle", 3, (2, 6, 5)),
    ("channel_shuffle", 4, (1, 4, 2, 1, 3)), ("channel_shuffle", 1, (2, 3, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,factor,shape", SHUFFLES)
def test_shuffles_match_torch(name, factor, shape, torch):
    from torch_compare import same
    a = _x(shape)
    same(lambda lib: _value_and_grad(
        lib, lambda m, x: getattr(m.nn.functional, name)(x, factor), a), torch)


@pytest.mark.parametrize("name,factor,shape", SHUFFLES)
def test_shuffles_gradcheck(name, factor, shape, device):
    x = gg.tensor(_x(shape, 1), device=device, requires_grad=True)
    fn = lambda t: getattr(F, name)(t, factor)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_shuffles_invert_each_other(device):
    x = gg.randn(2, 12, 4, 6, device=device)
    assert gg.equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2), x)
    assert gg.equal(F.pixel_shuffle(F.pixel_unshuffle(x, 2), 2), x)
    assert gg.equal(F.channel_shuffle(F.channel_shuffle(x, 3), 4), x)
    assert F.channel_shuffle(gg.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist() == \
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


@pytest.mark.torch
def test_shuffle_dtypes_match_torch(torch):
    from torch_compare import same
    same(lambda lib: [lib.nn.functional.pixel_shuffle(lib.arange(32).reshape(2, 4, 2, 2), 2),
                      lib.nn.functional.pixel_unshuffle(lib.ones(1, 4, 4, dtype=lib.bool), 2),
                      lib.nn.functional.channel_shuffle(lib.arange(8).reshape(1, 4, 2), 2),
                      lib.nn.functional.pixel_shuffle(lib.ones(0, 4, 2, 2), 2)], torch)


SHUFFLE_ERRORS = [
    lambda lib: lib.nn.functional.pixel_shuffle(lib.ones(3, 3), 2),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.ones(2, 6, 3, 3), 2),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.ones(2, 8, 3, 3), 0),
    lambda lib: lib.nn.functional.pixel_shuffle(lib.ones(2, 8, 3, 3), 2.0),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.ones(4, 4), 2),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.ones(2, 8, 3, 4), 2),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.ones(2, 8, 4, 3), 2),
    lambda lib: lib.nn.functional.pixel_unshuffle(lib.ones(2, 8, 4, 4), -1),
    lambda lib: lib.nn.functional.channel_shuffle(lib.ones(4, 8), 2),
    lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 8, 3), 3),
    lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 8, 3), 0),
    lambda lib: lib.nn.functional.channel_shuffle(lib.ones(2, 8, 3), 2.0),
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(SHUFFLE_ERRORS)))
def test_shuffle_errors_match_torch(i, torch):
    from torch_compare import same
    same(SHUFFLE_ERRORS[i], torch)


@pytest.mark.torch
def test_shuffle_layers_match_torch(torch):
    from torch_compare import same
    a = _x((2, 12, 2, 4), 3)

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        layers = [lib.nn.PixelShuffle(2), lib.nn.PixelUnshuffle(2), lib.nn.ChannelShuffle(3)]
        outs = [m(x) for m in layers]
        sum((o * o).sum() for o in outs).backward()
        return [repr(m) for m in layers], outs, x.grad
    same(run, torch)


def test_sub_pixel_upsampler_trains(device):
    model = nn.Sequential(nn.Conv2d(3, 3 * 4, 3, padding=1), nn.PixelShuffle(2),
                          nn.ChannelShuffle(3)).to(device)
    y = model(gg.randn(2, 3, 5, 5, device=device))
    assert y.shape == (2, 3, 10, 10)
    y.square().mean().backward()
    assert all(p.grad is not None for p in model.parameters())


# ------------------------------------------------------------------ fold / unfold
# (input shape, kernel_size, dilation, padding, stride)
UNFOLDS = [
    ((2, 3, 5, 6), 2, 1, 0, 1),
    ((2, 3, 5, 6), (2, 3), 1, 1, 1),
    ((1, 2, 7, 6), 3, 2, 1, 2),
    ((2, 2, 6, 7), (3, 2), (1, 2), (0, 2), (2, 3)),
    ((3, 5, 6), (2, 2), 1, 0, (1, 2)),
    ((1, 1, 4, 4), 4, 1, 0, 1),
    ((1, 2, 3, 3), 1, 1, 0, 2),
]


@pytest.mark.torch
@pytest.mark.parametrize("shape,k,d,p,s", UNFOLDS)
def test_unfold_matches_torch(shape, k, d, p, s, torch):
    from torch_compare import same
    a = _x(shape)
    same(lambda lib: _value_and_grad(
        lib, lambda m, x: m.nn.functional.unfold(x, k, d, p, s), a), torch)


@pytest.mark.torch
@pytest.mark.parametrize("shape,k,d,p,s", UNFOLDS)
def test_fold_matches_torch(shape, k, d, p, s, torch):
    from torch_compare import same
    tx = torch.nn.functional.unfold(torch.zeros(shape), k, d, p, s)
    a = _x(tuple(tx.shape), 1)
    same(lambda lib: _value_and_grad(
        lib, lambda m, x: m.nn.functional.fold(x, shape[-2:], k, d, p, s), a), torch)


@pytest.mark.parametrize("shape,k,d,p,s", UNFOLDS[:5])
def test_fold_unfold_gradcheck(shape, k, d, p, s, device):
    x = gg.tensor(_x(shape, 2), device=device, requires_grad=True)
    cols = F.unfold(x, k, d, p, s).detach().requires_grad_()
    assert gradcheck(lambda t: F.unfold(t, k, d, p, s), (x,))
    assert gradgradcheck(lambda t: F.unfold(t, k, d, p, s), (x,))
    assert gradcheck(lambda t: F.fold(t, shape[-2:], k, d, p, s), (cols,))
    assert gradgradcheck(lambda t: F.fold(t, shape[-2:], k, d, p, s), (cols,))


def test_fold_unfold_are_adjoint_and_count_overlaps(device):
    x = gg.randn(2, 3, 6, 5, device=device, dtype=gg.float64)
    kw = dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    cols = F.unfold(x, **kw)
    c = gg.randn(*cols.shape, device=device, dtype=gg.float64)
    lhs = (cols * c).sum().item()
    rhs = (x * F.fold(c, (6, 5), **kw)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))
    # fold(unfold(x)) is x times how many blocks cover each pixel.
    ones = gg.ones(1, 1, 4, 4, device=device)
    counts = F.fold(F.unfold(ones, 2), (4, 4), 2)
    assert counts[0, 0].tolist() == [[1.0, 2.0, 2.0, 1.0], [2.0, 4.0, 4.0, 2.0],
                                     [2.0, 4.0, 4.0, 2.0], [1.0, 2.0, 2.0, 1.0]]


def test_unfold_as_convolution(device):
    # A convolution is the weight times the unfolded input.
    x = gg.randn(2, 3, 7, 6, device=device, dtype=gg.float64)
    w = gg.randn(4, 3, 3, 2, device=device, dtype=gg.float64)
    kw = dict(dilation=(2, 1), padding=(1, 2), stride=(1, 2))
    y = F.conv2d(x, w, **kw)
    cols = F.unfold(x, (3, 2), **kw)
    z = (w.reshape(4, -1) @ cols).reshape(y.shape)
    np.testing.assert_allclose(z.cpu().numpy(), y.cpu().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_fold_dtypes_and_edges_match_torch(torch):
    from torch_compare import same
    same(lambda lib: [
        lib.nn.functional.unfold(lib.ones(2, 2, 3, 3, dtype=lib.bool), 2),
        lib.nn.functional.unfold(lib.ones(2, 2, 3, 3, dtype=lib.float16), 2),
        lib.nn.functional.unfold(lib.ones(0, 2, 3, 3), 2),
        lib.nn.functional.fold(lib.ones(0, 8, 4), 3, 2),
        lib.nn.functional.fold(lib.ones(2, 8, 4, dtype=lib.bool), (3, 3), 2),
        lib.nn.functional.fold(lib.ones(8, 4), [3, 3], [2, 2]),
        lib.nn.functional.unfold(lib.ones(1, 2, 4, 6), [2, 2], 1, [0, 1], 1),
    ], torch)


FOLD_ERRORS = [
    lambda lib: lib.nn.functional.unfold(lib.ones(5, 6), 2),
    lambda lib: lib.nn.functional.unfold(lib.ones(6), 2),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 3, 5, 6), 2),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 7),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 0),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 2, stride=0),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 2, dilation=0, padding=-1),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 2, padding=-1, stride=0),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), (2, 2, 2)),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6), 2.0),
    lambda lib: lib.nn.functional.unfold(lib.ones(2, 0, 5, 6), 2),
    lambda lib: lib.nn.functional.unfold(lib.ones(1, 2, 5, 6, dtype=lib.int64), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(1, 12, 20, 1), (5, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 21), (5, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 13, 20), (5, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 20), (1, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 20), (5, 6, 1), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 20), (5, 6), 1, dilation=0,
                                       padding=-1, stride=0),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 20), (5, 6), 1, dilation=0,
                                       padding=-1),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 0), (5, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(0, 20), (5, 6), 2),
    lambda lib: lib.nn.functional.fold(lib.ones(2, 12, 20, dtype=lib.int64), (5, 6), 2),
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(FOLD_ERRORS)))
def test_fold_errors_match_torch(i, torch):
    from torch_compare import same
    same(FOLD_ERRORS[i], torch)


@pytest.mark.torch
def test_fold_layers_match_torch(torch):
    from torch_compare import same
    a = _x((2, 3, 5, 6), 4)

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        unfold = lib.nn.Unfold((2, 3), dilation=1, padding=1, stride=[1, 2])
        fold = lib.nn.Fold((5, 6), (2, 3), padding=1, stride=[1, 2])
        y = fold(unfold(x))
        (y * y).sum().backward()
        return repr(unfold), repr(fold), repr(lib.nn.Fold(4, 2)), y, x.grad
    same(run, torch)


def test_node_names():
    x = gg.randn(1, 4, 4, 4, requires_grad=True)
    assert F.unfold(x, 2).grad_fn.name() == "Im2ColBackward0"
    assert F.fold(F.unfold(x, 2), 4, 2).grad_fn.name() == "Col2ImBackward0"
    assert F.pixel_shuffle(x, 2).grad_fn.name() == "PixelShuffleBackward0"
    assert F.pixel_unshuffle(x, 2).grad_fn.name() == "PixelUnshuffleBackward0"
    assert F.channel_shuffle(x, 2).grad_fn.name() == "ChannelShuffleBackward0"
    with gg.no_grad():
        assert F.unfold(x, 2).grad_fn is None
