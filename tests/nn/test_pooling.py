"""Pooling: gradcheck, gradgradcheck, parity with PyTorch (values, indices, grads), layers."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

CASES = {
    "max2d": ("max_pool2d", (2, 2, 5, 5), dict(kernel_size=2)),
    "max2d_overlap": ("max_pool2d", (2, 2, 5, 5), dict(kernel_size=3, stride=1)),
    "max2d_pad": ("max_pool2d", (2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1)),
    "max2d_dilation": ("max_pool2d", (2, 2, 6, 5), dict(kernel_size=(2, 3), stride=1,
                                                        padding=(1, 0), dilation=2)),
    "max2d_ceil": ("max_pool2d", (2, 2, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    "max2d_ceil_pad": ("max_pool2d", (2, 2, 6, 5), dict(kernel_size=3, stride=2, padding=1,
                                                        ceil_mode=True)),
    "max1d": ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    "max1d_ceil": ("max_pool1d", (2, 3, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    "max3d": ("max_pool3d", (1, 2, 4, 5, 4), dict(kernel_size=2, stride=(1, 2, 2),
                                                  padding=(1, 0, 1))),
    "avg2d": ("avg_pool2d", (2, 2, 5, 5), dict(kernel_size=2)),
    "avg2d_tiled": ("avg_pool2d", (2, 2, 4, 6), dict(kernel_size=(2, 3))),
    "avg2d_pad": ("avg_pool2d", (2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1)),
    "avg2d_exclude_pad": ("avg_pool2d", (2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1,
                                                           count_include_pad=False)),
    "avg2d_ceil": ("avg_pool2d", (2, 2, 5, 5), dict(kernel_size=(3, 2), stride=2,
                                                    ceil_mode=True, padding=1)),
    "avg2d_ceil_exclude": ("avg_pool2d", (2, 2, 6, 5), dict(kernel_size=3, stride=2, padding=1,
                                                            ceil_mode=True,
                                                            count_include_pad=False)),
    "avg2d_divisor": ("avg_pool2d", (2, 2, 5, 5), dict(kernel_size=3, stride=1,
                                                       divisor_override=4)),
    "avg1d": ("avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1,
                                            ceil_mode=True)),
    "avg3d": ("avg_pool3d", (1, 2, 4, 5, 4), dict(kernel_size=2, stride=2, ceil_mode=True)),
    "adaptive2d": ("adaptive_avg_pool2d", (2, 2, 5, 7), dict(output_size=(3, 4))),
    "adaptive2d_even": ("adaptive_avg_pool2d", (2, 2, 6, 4), dict(output_size=(3, 2))),
    "adaptive2d_none": ("adaptive_avg_pool2d", (2, 2, 5, 7), dict(output_size=(None, 3))),
    "adaptive2d_global": ("adaptive_avg_pool2d", (2, 2, 5, 7), dict(output_size=1)),
    "adaptive2d_grow": ("adaptive_avg_pool2d", (2, 2, 3, 2), dict(output_size=(4, 5))),
    "adaptive1d": ("adaptive_avg_pool1d", (2, 3, 7), dict(output_size=3)),
    "adaptive3d": ("adaptive_avg_pool3d", (1, 2, 3, 5, 4), dict(output_size=(2, 3, 2))),
}


def _input(name, dtype=np.float64):
    # Distinct values 0.1 apart: a gradcheck step never changes which element is the max.
    shape = CASES[name][1]
    rng = np.random.default_rng(sum(map(ord, name)))
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.1 - n * 0.05).astype(dtype)


def _call(lib, name, x):
    fn, _, kw = CASES[name]
    return getattr(lib.nn.functional, fn)(x, **kw)


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck(name, device):
    x = gg.tensor(_input(name), device=device, requires_grad=True)
    assert gradcheck(lambda x: _call(gg, name, x), (x,))


@pytest.mark.parametrize("name", ["max2d_overlap", "max2d_ceil_pad", "avg2d_ceil_exclude",
                                  "avg2d_tiled", "adaptive2d", "avg1d"])
def test_gradgradcheck(name, device):
    x = gg.tensor(_input(name), device=device, requires_grad=True)
    assert gradgradcheck(lambda x: _call(gg, name, x), (x,))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, dtype, device, torch):
    x = _input(name, dtype)
    ours = gg.tensor(x, device=device, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, ty = _call(gg, name, ours), _call(torch, name, theirs)
    g = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(gg.tensor(g, device=device))
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert y.dtype.name == dtype and y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(ours.grad.cpu().numpy(), theirs.grad.numpy(), **tol)


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("max")])
def test_indices_match_torch(name, torch):
    fn, _, kw = CASES[name]
    x = np.random.default_rng(5).standard_normal(CASES[name][1])
    y, idx = getattr(F, fn)(gg.tensor(x), return_indices=True, **kw)
    ty, tidx = getattr(torch.nn.functional, fn)(torch.tensor(x), return_indices=True, **kw)
    assert idx.dtype == gg.int64
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_max_pool_nan_ties_and_all_neg_inf(torch):
    x = np.array([[[[1.0, np.nan, 0.0, 2.0], [3.0, 3.0, 2.0, 2.0], [-np.inf, -np.inf, 0.5, 0.5],
                    [-np.inf, -np.inf, 0.5, 0.5]]]])
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)]:
        y, idx = F.max_pool2d(gg.tensor(x), return_indices=True, **kw)
        ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_max_pool_random_ties_signed_zeros_and_nans(dtype, torch):
    """Values (with the sign of zero), indices: the first maximum of a window wins a tie, the
    last NaN wins where there are several, as PyTorch's CPU kernel gives them."""
    rng = np.random.default_rng(1)
    for trial in range(40):
        x = rng.integers(-2, 3, (2, 3, 7, 9)).astype(dtype)
        x[rng.random(x.shape) < 0.15] = np.nan if trial % 2 else -0.0
        x[rng.random(x.shape) < 0.05] = -np.inf
        for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                   dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=3, ceil_mode=True)):
            y, idx = F.max_pool2d(gg.tensor(x), return_indices=True, **kw)
            ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
            np.testing.assert_array_equal(y.numpy(), ty.numpy())
            np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(ty.numpy()))
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_unbatched_input(torch):
    x = np.random.default_rng(6).standard_normal((3, 6, 5))
    for fn, kw in [("max_pool2d", dict(kernel_size=2, return_indices=True)),
                   ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1)),
                   ("adaptive_avg_pool2d", dict(output_size=(4, 2))),
                   ("max_pool1d", dict(kernel_size=2)), ("avg_pool1d", dict(kernel_size=2))]:
        ours = getattr(F, fn)(gg.tensor(x), **kw)
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(x), **kw)
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)


def test_max_pool_saves_only_indices():
    x = gg.randn(2, 3, 8, 8, requires_grad=True)
    y = F.max_pool2d(x, 2)
    saved = y.grad_fn.saved_tensors
    assert len(saved) == 1 and saved[0].dtype == gg.int64 and saved[0].shape == y.shape
    assert y.grad_fn.name() == "MaxPoolBackward0"
    with gg.no_grad():
        assert F.max_pool2d(x, 2).grad_fn is None


def test_avg_pool_saves_nothing():
    y = F.avg_pool2d(gg.randn(2, 3, 8, 8, requires_grad=True), 2)
    assert y.grad_fn.saved_tensors == ()


# ------------------------------------------------------------------ layers
LAYERS = [
    ("MaxPool2d", (3,), {}),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=(1, 2), ceil_mode=True)),
    ("MaxPool1d", (3,), dict(stride=2)),
    ("MaxPool3d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", (2,), dict(ceil_mode=True, divisor_override=3)),
    ("AvgPool1d", (3,), dict(stride=1, padding=1)),
    ("AvgPool3d", (2,), {}),
    ("AdaptiveAvgPool2d", ((3, None),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveAvgPool3d", (2,), {}),
]


@pytest.mark.parametrize("cls,args,kw", LAYERS, ids=[f"{c}-{i}" for i, (c, _, _) in
                                                     enumerate(LAYERS)])
def test_layer_matches_torch(cls, args, kw, torch):
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    d = int(cls[-2])
    x = np.random.default_rng(7).standard_normal((2, 3) + (7,) * d)
    np.testing.assert_allclose(ours(gg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12)


def test_max_pool_layer_return_indices():
    y, idx = nn.MaxPool2d(2, return_indices=True)(gg.randn(1, 2, 4, 4))
    assert y.shape == idx.shape == (1, 2, 2, 2)


# ------------------------------------------------------------------ errors
ERRORS = {
    "pad_too_big": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 5, 5), 3,
                                                            padding=2),
    "avg_pad_too_big": lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 3, 5, 5), 3,
                                                                padding=2),
    "too_small": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 2, 2), 3),
    "avg_too_small": lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 3, 2, 2), 3),
    "rank": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(3, 5), 3),
    "rank1d": lambda lib: lib.nn.functional.max_pool1d(lib.zeros(5), 3),
    "avg_rank1d": lambda lib: lib.nn.functional.avg_pool1d(lib.zeros(5), 3),
    "stride0": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 5, 5), 2, stride=0),
    "dilation0": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 5, 5), 2,
                                                          dilation=0),
    "kernel_len": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 5, 5), (2, 2, 2)),
    "avg_kernel_len": lambda lib: lib.nn.functional.avg_pool2d(lib.zeros(1, 3, 5, 5),
                                                               (2, 2, 2)),
    "negative_pad": lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 3, 5, 5), 2,
                                                             padding=-1),
    "adaptive_rank": lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.zeros(3, 5), 3),
    "adaptive_len": lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.zeros(1, 3, 5, 5),
                                                                      (2, 2, 2)),
    "adaptive1d_rank": lambda lib: lib.nn.functional.adaptive_avg_pool1d(
        lib.zeros(1, 3, 5, 5), 2),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    same(ERRORS[name], torch)
