"""The CPU fast paths of max pooling and convolution agree with PyTorch and with the general
paths they stand in for.

Max pooling finds the window-local argmax by integer arithmetic over ``!=`` masks (NumPy),
where the general path (CuPy, or a dtype whose ``maximum`` tie order is unknown) copies
under masks. Stride-1 convolutions on NumPy use "wide" columns (output rows as wide as the
padded input's, junk columns dropped or met with zeros) in the forward, the input gradient
(a convolution of the output gradient with the flipped weight) and the weight gradient, and
fall back to the general im2col/col2im paths where those do not pay or where non-finite
values would meet the junk.
"""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.autograd import gradcheck, gradgradcheck
from gpugrad.ops import conv as conv_mod
from gpugrad.ops import pooling as pool_mod


# ------------------------------------------------------------------ max pooling
def _tied(rng, shape, dtype, specials):
    """Small integers (many ties), with -0.0, NaN and -inf sprinkled in."""
    x = rng.integers(-2, 3, shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        for value, p in specials:
            x[rng.random(shape) < p] = value
    return x


def _pool_both(torch, fn, x, kw, grad=True):
    dtype = x.dtype
    ours = gg.tensor(x, requires_grad=grad and dtype.kind == "f")
    theirs = torch.tensor(x, requires_grad=grad and dtype.kind == "f")
    y, idx = getattr(F, fn)(ours, return_indices=True, **kw)
    ty, tidx = getattr(torch.nn.functional, fn)(theirs, return_indices=True, **kw)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    if dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(y.detach().numpy()),
                                      np.signbit(ty.detach().numpy()))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert y.dtype.name == dtype.name and idx.dtype == gg.int64
    if grad and dtype.kind == "f":
        g = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(dtype)
        y.backward(gg.tensor(g))
        ty.backward(torch.tensor(g))
        # Overlapping windows sum gradients (in another order than PyTorch's).
        tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-13}[dtype.name]
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)
    return y, idx


POOL_2D = [
    ((2, 3, 28, 28), dict(kernel_size=2)),                      # the CNN's layers
    ((2, 3, 14, 14), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=2)),                        # odd: rows/cols left over
    ((2, 3, 7, 9), dict(kernel_size=2, ceil_mode=True)),        # odd: partial windows
    ((2, 3, 6, 8), dict(kernel_size=(2, 4))),                   # non-square, tiling
    ((2, 3, 7, 8), dict(kernel_size=(3, 2), stride=(1, 2))),    # overlapping in one dim
    ((2, 3, 9, 9), dict(kernel_size=3, stride=2, padding=1)),   # padding: -inf windows
    ((2, 3, 9, 8), dict(kernel_size=2, stride=1, dilation=2)),
    ((1, 2, 5, 5), dict(kernel_size=1)),                        # one offset
]
SPECIALS = [(-0.0, 0.15), (np.nan, 0.1), (-np.inf, 0.1)]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("case", range(len(POOL_2D)))
def test_max_pool2d_ties_nan_neg_inf_match_torch(case, dtype, torch):
    shape, kw = POOL_2D[case]
    rng = np.random.default_rng(case)
    for trial in range(6):
        specials = SPECIALS[:trial % 4]          # none, -0.0, +NaN, +-inf
        _pool_both(torch, "max_pool2d", _tied(rng, shape, dtype, specials), kw)


def test_max_pool2d_all_nan_and_all_neg_inf_windows(torch):
    x = np.full((1, 1, 4, 6), -np.inf, dtype=np.float32)
    x[0, 0, :2, :2] = np.nan                      # a window of NaN only: the last one wins
    x[0, 0, 2:, 2:4] = [[np.nan, 1.0], [np.nan, 2.0]]
    x[0, 0, :2, 4:] = [[-0.0, 0.0], [0.0, -0.0]]
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        _pool_both(torch, "max_pool2d", x, kw)


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8"])
def test_max_pool2d_integers_match_torch(dtype, torch):
    rng = np.random.default_rng(4)
    x = rng.integers(0 if dtype == "uint8" else -3, 3, (2, 3, 9, 10)).astype(dtype)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
        _pool_both(torch, "max_pool2d", x, kw, grad=False)


def test_max_pool2d_non_contiguous_input(torch):
    rng = np.random.default_rng(5)
    base = _tied(rng, (2, 3, 16, 12), np.float32, SPECIALS[:2])
    for view in (lambda t: t.transpose(2, 3), lambda t: t[:, :, 1:, ::2],
                 lambda t: t.transpose(0, 1)):
        ours = view(gg.tensor(base))
        assert not ours._data.flags.c_contiguous
        theirs = view(torch.tensor(base))
        for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)):
            y, idx = F.max_pool2d(ours, return_indices=True, **kw)
            ty, tidx = torch.nn.functional.max_pool2d(theirs, return_indices=True, **kw)
            np.testing.assert_array_equal(y.numpy(), ty.numpy())
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_max_pool_large_window_uses_wide_local_index(torch):
    """More than 127 offsets: the window-local index no longer fits int8."""
    rng = np.random.default_rng(6)
    x = _tied(rng, (1, 2, 25, 26), np.float32, SPECIALS[:2])
    _pool_both(torch, "max_pool2d", x, dict(kernel_size=12))
    _pool_both(torch, "max_pool2d", x, dict(kernel_size=(12, 13), stride=5, padding=6))


@pytest.mark.parametrize("fn, shape, kw", [
    ("max_pool1d", (2, 3, 11), dict(kernel_size=2)),
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool3d", (1, 2, 5, 6, 4), dict(kernel_size=2)),
    ("max_pool3d", (1, 2, 5, 6, 4), dict(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=1)),
])
def test_max_pool_1d_3d_ties_and_nan_match_torch(fn, shape, kw, torch):
    rng = np.random.default_rng(7)
    for trial in range(4):
        _pool_both(torch, fn, _tied(rng, shape, np.float64, SPECIALS[:trial]), kw)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32"])
def test_max_pool_unknown_tie_order_path_agrees(dtype, monkeypatch):
    """Where NumPy's ``maximum`` tie order is unknown, the compare-and-copy path (also the
    CuPy one) gives the same values, signs of zero and indices."""
    rng = np.random.default_rng(8)
    cases = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
             dict(kernel_size=2, stride=1, dilation=2), dict(kernel_size=3, ceil_mode=True)]
    inputs = [_tied(rng, (2, 3, 9, 11), dtype, SPECIALS[:t]) for t in range(4)]
    fast = [[F.max_pool2d(gg.tensor(x), return_indices=True, **kw) for kw in cases]
            for x in inputs]
    monkeypatch.setitem(pool_mod._TIE_ORDER, np.dtype(dtype), None)
    for x, results in zip(inputs, fast):
        for kw, (y, idx) in zip(cases, results):
            y2, idx2 = F.max_pool2d(gg.tensor(x), return_indices=True, **kw)
            np.testing.assert_array_equal(y.numpy(), y2.numpy())
            np.testing.assert_array_equal(np.signbit(y.numpy()), np.signbit(y2.numpy()))
            np.testing.assert_array_equal(idx.numpy(), idx2.numpy())


# ------------------------------------------------------------------ convolution
@pytest.fixture
def spy(monkeypatch):
    """Counts the calls of the wide paths (to pin that a case takes them)."""
    calls = {"forward": 0, "transpose": 0, "weight": 0}
    for key, name in (("forward", "_conv_forward_wide"),
                      ("transpose", "_conv_transpose_forward_wide"),
                      ("weight", "_conv_weight_wide")):
        real = getattr(conv_mod, name)

        def wrapped(*args, _real=real, _key=key):
            out = _real(*args)
            calls[_key] += out is not None
            return out
        monkeypatch.setattr(conv_mod, name, wrapped)
    return calls


def _general(monkeypatch):
    monkeypatch.setattr(conv_mod, "_wide_ok", lambda xp, geo: False)


# (function, input shape, weight shape, kwargs): stride 1, each with junk columns unless noted.
WIDE = {
    "cnn_layer2": ("conv2d", (3, 8, 14, 14), (16, 8, 3, 3), dict(padding=1)),
    "valid": ("conv2d", (2, 6, 7, 9), (3, 6, 3, 3), {}),
    "pad_hw": ("conv2d", (2, 6, 7, 9), (3, 6, 3, 2), dict(padding=(0, 2))),
    "dilation": ("conv2d", (2, 6, 9, 8), (4, 6, 2, 3), dict(dilation=(2, 1), padding=1)),
    "same_even": ("conv2d", (2, 5, 6, 7), (3, 5, 2, 4), dict(padding="same")),
    "groups": ("conv2d", (2, 8, 6, 6), (4, 4, 3, 3), dict(groups=2, padding=1)),
    "depthwise": ("conv2d", (2, 4, 6, 5), (4, 1, 3, 3), dict(groups=4, padding=1)),
    "1d": ("conv1d", (2, 6, 11), (3, 6, 3), dict(padding=1)),              # no junk
    "3d": ("conv3d", (2, 3, 4, 5, 6), (2, 3, 2, 3, 2), dict(padding=(1, 0, 1))),
    "t2d": ("conv_transpose2d", (2, 4, 5, 6), (4, 6, 3, 3), dict(padding=1)),
    "t2d_out_pad": ("conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2),
                    dict(padding=(2, 0), dilation=(3, 2), output_padding=(1, 1))),
    "t2d_groups": ("conv_transpose2d", (2, 4, 5, 5), (4, 2, 3, 3), dict(groups=2)),
}


def _conv_arrays(name, dtype=np.float64, seed=0):
    fn, xs, ws, kw = WIDE[name]
    rng = np.random.default_rng(seed + sum(map(ord, name)))
    out_ch = ws[1] * kw.get("groups", 1) if "transpose" in fn else ws[0]
    return [rng.standard_normal(s).astype(dtype) for s in (xs, ws, (out_ch,))]


def _conv_run(lib, name, arrays, grad_out=None):
    fn, _, _, kw = WIDE[name]
    ts = [(gg.tensor(a, requires_grad=True) if lib is gg else
           lib.tensor(a, requires_grad=True)) for a in arrays]
    f = getattr(F if lib is gg else lib.nn.functional, fn)
    y = f(*ts, **kw)
    g = (np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(arrays[0].dtype)
         if grad_out is None else grad_out)
    y.backward(gg.tensor(g) if lib is gg else lib.tensor(g))
    return [y.detach().numpy()] + [t.grad.numpy() for t in ts]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(WIDE))
def test_wide_conv_matches_torch_and_general_path(name, dtype, torch, spy, monkeypatch):
    arrays = _conv_arrays(name, dtype)
    ours = _conv_run(gg, name, arrays)
    if name != "1d":
        assert spy["forward"] + spy["transpose"] > 0
    assert spy["weight"] > 0
    theirs = _conv_run(torch, name, arrays)
    for o, t in zip(ours, theirs):
        assert o.dtype == np.dtype(dtype) and o.shape == t.shape
        np.testing.assert_allclose(o, t, **_sum_tolerance(t))
    _general(monkeypatch)
    for o, r in zip(ours, _conv_run(gg, name, arrays)):
        np.testing.assert_allclose(o, r, **_sum_tolerance(r))


def _sum_tolerance(reference):
    """Each conv output is a sum of hundreds of products: its rounding error scales with the
    largest magnitude in the result, and the summation order differs between BLAS builds."""
    scale = max(1.0, float(np.abs(reference).max()))
    if reference.dtype == np.float32:
        return dict(rtol=1e-4, atol=4e-6 * scale)
    return dict(rtol=1e-10, atol=1e-12 * scale)


def test_wide_conv_takes_each_path_on_the_cnn_shapes(spy):
    x = gg.randn(4, 8, 14, 14, requires_grad=True)
    w = gg.randn(16, 8, 3, 3, requires_grad=True)
    F.conv2d(x, w, gg.zeros(16), padding=1).sum().backward()
    assert spy == {"forward": 2, "transpose": 1, "weight": 1}


@pytest.mark.parametrize("budget", [1, 3000, 1 << 40])
def test_wide_conv_chunks_agree(budget, monkeypatch, torch):
    """One sample per chunk, a partial last chunk, one chunk: the same numbers."""
    monkeypatch.setattr(conv_mod, "_CHUNK_BYTES", budget)
    arrays = _conv_arrays("cnn_layer2", np.float64)
    arrays[0] = np.random.default_rng(2).standard_normal((7, 8, 5, 6))
    ours = _conv_run(gg, "cnn_layer2", arrays)
    theirs = _conv_run(torch, "cnn_layer2", arrays)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", ["cnn_layer2", "dilation", "t2d_out_pad"])
def test_wide_conv_non_finite_values_as_general_path(name, monkeypatch):
    """inf/NaN in the input, the weight or the output gradient: where they land, and which
    entries stay finite, exactly as the general path gives them (the junk columns never
    multiply a non-finite value)."""
    arrays = _conv_arrays(name, np.float64)
    x, w, b = arrays
    x[0, 0, 1, -1] = np.inf
    x[-1, -1, -1, 0] = -np.inf
    x[0, -1, 0, 0] = np.nan
    w2 = w.copy()
    w2.flat[0] = np.inf
    cases = [[x, w, b], [_conv_arrays(name, np.float64)[0], w2, b]]
    results = [_conv_run(gg, name, c) for c in cases]
    # A NaN in the output gradient.
    y_shape = results[0][0].shape
    gy = np.random.default_rng(3).standard_normal(y_shape)
    gy[0, 0, 0, -1] = np.nan
    clean = _conv_arrays(name, np.float64)
    results.append(_conv_run(gg, name, clean, gy))
    _general(monkeypatch)
    expected = [_conv_run(gg, name, c) for c in cases] + [_conv_run(gg, name, clean, gy)]
    for got, want in zip(results, expected):
        for o, r in zip(got, want):
            np.testing.assert_array_equal(np.isnan(o), np.isnan(r))
            np.testing.assert_array_equal(np.isinf(o), np.isinf(r))
            fin = np.isfinite(r)
            np.testing.assert_allclose(o[fin], r[fin], rtol=1e-10, atol=1e-12)


def test_wide_conv_non_contiguous_input(torch):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 8, 10, 9))
    w = rng.standard_normal((4, 8, 3, 3))
    ours = gg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    view, tview = ours.transpose(2, 3), theirs.transpose(2, 3)
    assert not view._data.flags.c_contiguous
    y = F.conv2d(view, gg.tensor(w), padding=1)
    ty = torch.nn.functional.conv2d(tview, torch.tensor(w), padding=1)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_wide_conv_float16_as_general_path(monkeypatch):
    arrays = _conv_arrays("cnn_layer2", np.float16)
    ours = _conv_run(gg, "cnn_layer2", arrays)
    _general(monkeypatch)
    for o, r in zip(ours, _conv_run(gg, "cnn_layer2", arrays)):
        assert o.dtype == np.float16
        np.testing.assert_allclose(o.astype(np.float32), r.astype(np.float32), rtol=1e-2,
                                   atol=2e-2)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name", ["valid", "same_even", "groups", "t2d_out_pad"])
def test_wide_conv_gradcheck_and_gradgradcheck(name, spy):
    fn, _, _, kw = WIDE[name]
    x, w, b = [gg.tensor(a[:2], requires_grad=True) if i == 0 else
               gg.tensor(a, requires_grad=True) for i, a in enumerate(_conv_arrays(name))]

    def f(x, w, b):
        return getattr(F, fn)(x, w, b, **kw)
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))
    assert spy["weight"] > 0 and spy["forward"] + spy["transpose"] > 0


@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=2), dict(padding=1, dilation=2)])
def test_conv_zero_batch_gradients(kw, torch):
    """An empty batch: empty input gradient, zero weight gradient (as PyTorch)."""
    rng = np.random.default_rng(10)
    x, w = np.zeros((0, 8, 14, 14)), rng.standard_normal((16, 8, 3, 3))
    for fn, weight in (("conv2d", w), ("conv_transpose2d", w.swapaxes(0, 1).copy())):
        ours = [gg.tensor(a, requires_grad=True) for a in (x, weight)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight)]
        y = getattr(F, fn)(*ours, **kw)
        ty = getattr(torch.nn.functional, fn)(*theirs, **kw)
        assert y.shape == tuple(ty.shape)
        y.sum().backward()
        ty.sum().backward()
        for o, t in zip(ours, theirs):
            assert o.grad.shape == tuple(t.grad.shape)
            np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())
