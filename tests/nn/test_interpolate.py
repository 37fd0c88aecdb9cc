"""F.interpolate and the Upsample layers against PyTorch: values and gradients for every
mode, align_corners, size and scale factor; gradcheck of each mode; errors and reprs."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

# mode -> number of spatial dims
MODES = {"nearest": 2, "nearest-exact": 2, "area": 2, "linear": 1, "bilinear": 2,
         "bicubic": 2, "trilinear": 3}
NEAREST_ND = [("nearest", 1), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 3),
              ("area", 1), ("area", 3)]
SPATIAL = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}

# name -> (size, scale_factor, recompute_scale_factor), given per number of spatial dims
SIZES = {
    "scale_2": lambda d: (None, 2, None),
    "scale_3": lambda d: (None, 3.0, None),
    "scale_1.7": lambda d: (None, 1.7, None),
    "scale_0.6": lambda d: (None, 0.6, None),
    "scale_per_axis": lambda d: (None, (1.5, 0.75, 2.25)[:d], None),
    "recompute_1.7": lambda d: (None, 1.7, True),
    "recompute_0.55": lambda d: (None, 0.55, True),
    "size_up": lambda d: ((11, 9, 8)[:d], None, None),
    "size_down": lambda d: ((3, 4, 2)[:d], None, None),
    "size_int": lambda d: (4, None, None),
    "size_same": lambda d: (tuple(SPATIAL[d]), None, None),
    "size_one": lambda d: (1, None, None),
}


def _align_options(mode):
    return [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]


CASES = [(mode, d, ac, name) for mode, d in list(MODES.items()) + NEAREST_ND
         for ac in _align_options(mode) for name in SIZES]


def _input(d, dtype, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((2, 3) + SPATIAL[d]).astype(dtype)


def _run(lib, x, mode, ac, size, scale, recompute, antialias=False):
    t = lib.tensor(x, requires_grad=True)
    y = lib.nn.functional.interpolate(t, size=size, scale_factor=scale, mode=mode,
                                      align_corners=ac, recompute_scale_factor=recompute,
                                      antialias=antialias)
    g = np.random.default_rng(5).standard_normal(tuple(y.shape)).astype(x.dtype)
    (y * lib.tensor(g)).sum().backward()
    return y, t.grad


def _check(torch, x, mode, ac, size, scale, recompute, antialias=False):
    tol = dict(rtol=1e-10, atol=1e-12) if x.dtype == np.float64 else dict(rtol=2e-5,
                                                                          atol=2e-6)
    y, gx = _run(gg, x, mode, ac, size, scale, recompute, antialias)
    ty, tgx = _run(torch, x, mode, ac, size, scale, recompute, antialias)
    assert tuple(y.shape) == tuple(ty.shape)
    assert y.dtype.name == str(ty.dtype).split(".")[-1]
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode, d, align_corners, name", CASES)
def test_interpolate_matches_torch(mode, d, align_corners, name, dtype, torch):
    size, scale, recompute = SIZES[name](d)
    _check(torch, _input(d, dtype), mode, align_corners, size, scale, recompute)


# lanczos with align_corners is an error (see ERRORS).
AA_MODES = [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True),
            ("lanczos", False)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode, align_corners", AA_MODES)
@pytest.mark.parametrize("size, scale", [((3, 2), None), ((9, 13), None), (None, 0.4),
                                         (None, (0.3, 1.6)), ((4, 4), None)])
def test_antialias_matches_torch(mode, align_corners, size, scale, dtype, torch):
    x = np.random.default_rng(1).standard_normal((2, 2, 11, 12)).astype(dtype)
    _check(torch, x, mode, align_corners, size, scale, None, antialias=True)


@pytest.mark.parametrize("scale", [1.1, 1.3, 2.5, 0.7, 0.35, 1 / 3, 2 / 3, 5 / 7])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_index_rounding_matches_torch(mode, scale, torch):
    """Nearest indices are computed in float32 as PyTorch's; long axes expose rounding."""
    x = np.arange(2 * 61, dtype=np.float64).reshape(1, 2, 61)
    for kw in (dict(scale_factor=scale), dict(size=int(61 * scale) + 3)):
        y = F.interpolate(gg.tensor(x), mode=mode, **kw)
        ty = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kw)
        np.testing.assert_array_equal(y.numpy(), ty.numpy())


GRAD_CASES = [("nearest", 1, None, 2.5), ("nearest", 2, None, (1.5, 0.7)),
              ("nearest-exact", 2, None, 1.7), ("nearest-exact", 3, None, 0.8),
              ("area", 2, None, (3, 2)), ("area", 1, None, 5),
              ("linear", 1, False, 1.7), ("linear", 1, True, 5),
              ("bilinear", 2, False, 1.6), ("bilinear", 2, True, (4, 3)),
              ("bicubic", 2, False, 1.5), ("bicubic", 2, True, (2, 5)),
              ("trilinear", 3, False, 1.4), ("trilinear", 3, True, (2, 3, 4))]


def _fn(mode, ac, arg, antialias=False):
    kw = dict(scale_factor=arg) if isinstance(arg, float) or (
        isinstance(arg, tuple) and isinstance(arg[0], float)) else dict(size=arg)
    return lambda x: F.interpolate(x, mode=mode, align_corners=ac, antialias=antialias, **kw)


@pytest.mark.parametrize("mode, d, align_corners, arg", GRAD_CASES)
def test_gradcheck(mode, d, align_corners, arg, device):
    x = gg.tensor(np.random.default_rng(2).standard_normal((1, 2) + (4, 3, 3)[:d]),
                  device=device, requires_grad=True)
    assert gradcheck(_fn(mode, align_corners, arg), (x,))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_gradcheck_antialias(mode, device):
    x = gg.tensor(np.random.default_rng(3).standard_normal((1, 2, 7, 6)), device=device,
                  requires_grad=True)
    assert gradcheck(_fn(mode, False, (3, 4), antialias=True), (x,))


@pytest.mark.parametrize("mode, d, align_corners, arg", [
    ("bilinear", 2, False, 1.6), ("bilinear", 2, True, (4, 3)), ("bicubic", 2, False, 1.5),
    ("nearest", 2, None, 2.0), ("trilinear", 3, False, 1.4)])
def test_gradgradcheck(mode, d, align_corners, arg, device):
    x = gg.tensor(np.random.default_rng(4).standard_normal((1, 2) + (3, 3, 2)[:d]),
                  device=device, requires_grad=True)
    assert gradgradcheck(_fn(mode, align_corners, arg), (x,))


def test_integer_input():
    """Nearest modes gather, so integer images keep their dtype; weighted modes need floats."""
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    y = F.interpolate(gg.tensor(x), scale_factor=2, mode="nearest")
    assert y.dtype == gg.uint8
    np.testing.assert_array_equal(y.numpy(), x.repeat(2, 2).repeat(2, 3))
    for mode in ("bilinear", "bicubic", "area"):
        with pytest.raises(NotImplementedError, match="needs a floating-point input"):
            F.interpolate(gg.tensor(x.astype(np.int64)), size=5, mode=mode)


def test_no_graph_without_grad():
    x = gg.randn(1, 1, 3, 3)
    assert F.interpolate(x, scale_factor=2, mode="bilinear").grad_fn is None
    with gg.no_grad():
        y = F.interpolate(gg.randn(1, 1, 3, 3, requires_grad=True), scale_factor=2,
                          mode="bicubic")
    assert y.grad_fn is None and not y.requires_grad


ERRORS = {
    "align_nearest": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4), scale_factor=2, mode="nearest", align_corners=True),
    "align_area": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4), size=2, mode="area", align_corners=False),
    "both": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), size=3,
                                                      scale_factor=2),
    "neither": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4)),
    "size_len": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), size=(2,)),
    "size_type": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4),
                                                           size=(2.0, 3)),
    "scale_len": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4),
                                                           scale_factor=(2, 2, 2)),
    "recompute_size": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4), size=3, recompute_scale_factor=True),
    "antialias_mode": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4, 4), size=3, mode="nearest", antialias=True),
    "antialias_rank": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4), size=3, mode="linear", antialias=True),
    "bilinear_3d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), size=3,
                                                             mode="bilinear"),
    "linear_4d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), size=3,
                                                           mode="linear"),
    "trilinear_4d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), size=3,
                                                              mode="trilinear"),
    "bilinear_5d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 2, 2),
                                                             size=3, mode="bilinear"),
    "rank_2": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 4), size=3),
    "bicubic_3d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), size=3,
                                                            mode="bicubic"),
    "empty_1d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 2),
                                                          scale_factor=0.3, mode="linear"),
    "empty_2d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 3), size=(0, 2),
                                                          mode="bicubic"),
    "empty_3d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 2, 2, 2),
                                                          size=(0, 2, 1), mode="nearest"),
    "lanczos_align": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4, 4), size=3, mode="lanczos", align_corners=True, antialias=True),
    "lanczos_no_antialias": lambda lib: lib.nn.functional.interpolate(
        lib.zeros(1, 1, 4, 4), size=3, mode="lanczos"),
    "lanczos_3d": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), size=3,
                                                            mode="lanczos"),
    "bad_mode": lambda lib: lib.nn.functional.interpolate(lib.zeros(1, 1, 4), size=3,
                                                          mode="cubic"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    same(ERRORS[name], torch)


@pytest.mark.parametrize("fn, args", [("upsample", dict(scale_factor=2)),
                                      ("upsample_nearest", dict(size=5)),
                                      ("upsample_bilinear", dict(scale_factor=1.5))])
def test_deprecated_upsample_functions(fn, args, torch):
    x = np.random.default_rng(6).standard_normal((1, 2, 3, 4))

    def run(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = getattr(lib.nn.functional, fn)(lib.tensor(x), **args)
        return y, [str(m.message) for m in w]
    (y, w), (ty, tw) = run(gg), run(torch)
    assert w == tw
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10, atol=1e-12)


LAYERS = [
    ("Upsample", dict(scale_factor=2)),
    ("Upsample", dict(size=(5, 7), mode="bilinear")),
    ("Upsample", dict(size=6, mode="bicubic", align_corners=True)),
    ("Upsample", dict(scale_factor=(1.5, 2), mode="nearest-exact")),
    ("Upsample", dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ("Upsample", dict(scale_factor=0.5, mode="area")),
    ("UpsamplingNearest2d", dict(scale_factor=3)),
    ("UpsamplingNearest2d", dict(size=(4, 9))),
    ("UpsamplingBilinear2d", dict(scale_factor=2)),
    ("UpsamplingBilinear2d", dict(size=7)),
]


@pytest.mark.parametrize("cls, kw", LAYERS)
def test_upsampling_layers_match_torch(cls, kw, torch):
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    for attr in ("name", "size", "scale_factor", "mode", "align_corners",
                 "recompute_scale_factor"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert list(ours.state_dict()) == []
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 6))
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(gx), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_upsample_pickles_and_defaults(torch):
    import pickle
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
    again = pickle.loads(pickle.dumps(up))
    assert repr(again) == repr(up) and again.align_corners is False
    assert repr(nn.Upsample()) == repr(torch.nn.Upsample()) == "Upsample(size=None, " \
        "mode='nearest')"
