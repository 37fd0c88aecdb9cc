"""Padding: F.pad's four modes (negative widths included) and the Zero/Constant/Reflection/
Replication/Circular padding layers: values, gradients, errors and reprs against PyTorch."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

MODES = ["constant", "reflect", "replicate", "circular"]


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _pad_and_grad(lib, a, pad, mode, value=None):
    """F.pad's output and the gradient of a weighted sum of it."""
    x = lib.tensor(a, requires_grad=True)
    y = lib.nn.functional.pad(x, pad, mode=mode, value=value)
    w = lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape).cos()
    (y * w).sum().backward()
    return y, x.grad


# (input shape, pad): 1, 2 and 3 padded dims, batched and not, negative widths (crops).
SHAPES_PADS = [
    ((2, 3, 5), (1, 2)),
    ((3, 5), (2, 0)),
    ((2, 3, 5), (-1, 2)),
    ((2, 3, 5), (3, -2)),
    ((2, 3, 4, 5), (1, 2, 2, 1)),
    ((3, 4, 5), (0, 3, 1, 0)),
    ((2, 3, 4, 5), (-1, 2, 1, -2)),
    ((2, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)),
    ((2, 3, 4, 5), (2, 1, 0, 1, 1, 1)),
    ((2, 2, 3, 4, 5), (-2, 1, 1, -1, 2, -1)),
]


@pytest.mark.torch
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,pad", SHAPES_PADS)
def test_pad_matches_torch(shape, pad, mode, torch):
    from torch_compare import same
    a = _x(shape)
    same(lambda lib: _pad_and_grad(lib, a, pad, mode), torch)


@pytest.mark.torch
@pytest.mark.parametrize("shape,pad", [((2, 3), (1, 1, -1, 2)), ((4,), (-2, 3)),
                                       ((2, 3, 4, 5), (1, 0, 0, 0, 0, 0, 2, 1)),
                                       ((2, 3), (-1, -1, 0, 0)), ((2, 3), (-2, -1))])
def test_constant_pad_any_rank_and_crops(shape, pad, torch):
    from torch_compare import same
    a = _x(shape, 1)
    same(lambda lib: _pad_and_grad(lib, a, pad, "constant", 2.5), torch)


@pytest.mark.torch
def test_pad_dtypes_and_values_match_torch(torch):
    from torch_compare import same

    def cases(lib):
        ints = lib.arange(24).reshape(2, 3, 4)
        return [lib.nn.functional.pad(ints, (1, 2), mode=m) for m in MODES[1:]] + [
            lib.nn.functional.pad(ints, (1, 1), value=7),
            lib.nn.functional.pad(lib.ones(2, 3, dtype=lib.bool), (1, 0), mode="circular"),
            lib.nn.functional.pad(lib.ones(2, 3, dtype=lib.bool), (1, 0)),
            lib.nn.functional.pad(lib.ones(2, 3, 4, dtype=lib.float16), (2, 1), "reflect"),
            lib.nn.functional.pad(lib.ones(0, 3, 4), (2, 1), "replicate"),
            lib.nn.functional.pad(lib.ones(2, 0, 4), (2, 1), "circular"),
            lib.nn.functional.pad(lib.ones(2, 3, 4), [1, 1], "reflect", 0.0),
            lib.nn.functional.pad(lib.ones(2, 3, 4), (lib.tensor(1), 2)),
            lib.nn.functional.pad(lib.ones(2, 3), ()),
        ]
    same(cases, torch)


ERRORS = [
    lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3), (3, 3), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 3, 4), (0, 0, 3, 0), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 4, 5), (1, 1, 0, 0, 3, 0), "reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3), (3,)),
    lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1, 1, 1, 1, 1)),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 3), (1, 1), mode="wrap"),
    lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3, 3), (1, 1), mode="replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3), (1, 1), mode="reflect", value=1.0),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3), (1, 1), mode="circular", value=2),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3), (4, 0), mode="circular"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3), (-2, -2), mode="circular"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3, 4), (-2, -2), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3, 4), (-3, -2), mode="replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 4), (-2, -2, -2, -1), "reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 4), (-2, -2, -2, -1), "replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(1, 2, 3, 3, 4), (-2, -3, -2, -2, -2, -2),
                                      "replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3, 4), (0, 0, -2, -2), "replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 0, 4), (1, 1), mode="reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(0, 4, 4), (1, 1, 1, 1), mode="replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3, 4, dtype=lib.bool), (1, 1), "reflect"),
    lambda lib: lib.nn.functional.pad(lib.ones(2, 3, 4, dtype=lib.bool), (1, 1), "replicate"),
    lambda lib: lib.nn.functional.pad(lib.ones(3, 4), (-2, -3)),
    lambda lib: lib.nn.functional.pad(lib.ones(3, 4), (1, 0, -2, -2)),
    lambda lib: lib.nn.functional.pad(lib.ones(3, 4), (1.0, 1)),
    lambda lib: lib.nn.functional.pad(lib.ones(3, 4), np.array([1, 1])),
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_pad_errors_match_torch(i, torch):
    from torch_compare import same
    same(ERRORS[i], torch)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pad", [(1, 2, 2, 1), (-1, 2, 1, -1), (2, 0, 0, 2)])
def test_pad_gradcheck(mode, pad, device):
    x = gg.tensor(_x((1, 2, 3, 4)), device=device, requires_grad=True)
    fn = lambda t: F.pad(t, pad, mode=mode)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_circular_wraps_what_the_crop_leaves(device):
    # The crop comes first; the wrap then reads the cropped row (PyTorch's _pad_circular).
    x = gg.tensor([[[0.0, 1.0, 2.0, 3.0]]], device=device)
    assert F.pad(x, (-1, 2), mode="circular").tolist() == [[[1.0, 2.0, 3.0, 1.0, 2.0]]]
    assert F.pad(x, (2, -1), mode="circular").tolist() == [[[1.0, 2.0, 0.0, 1.0, 2.0]]]
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (-4, 1), mode="circular")


# ------------------------------------------------------------------ the layers
LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, -1),), (3, 4)),
    ("ZeroPad2d", (1,), (2, 3, 4, 4)), ("ZeroPad2d", ((1, 0, 2, 1),), (3, 4, 4)),
    ("ZeroPad3d", (1,), (1, 2, 3, 3, 3)), ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), (2, 3, 3, 3)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad1d", ((0, 2), -1.0), (4,)),
    ("ConstantPad2d", ((1, 2, 0, 1), 0.5), (2, 3, 4, 4)), ("ConstantPad2d", (1, 2.0), (3, 3)),
    ("ConstantPad3d", (1, 1.5), (1, 2, 2, 2, 2)),
    ("ConstantPad3d", ((0, 1, 1, 0, 2, 2), -2.0), (2, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad1d", ((3, 1),), (3, 4)),
    ("ReflectionPad2d", (1,), (2, 3, 4, 4)), ("ReflectionPad2d", ((2, 0, 1, 3),), (3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)),
    ("ReflectionPad3d", ((2, 0, 1, 1, 0, 2),), (2, 3, 4, 3)),
    ("ReplicationPad1d", (3,), (2, 3, 4)), ("ReplicationPad1d", ((5, 1),), (3, 4)),
    ("ReplicationPad2d", (2,), (2, 3, 4, 4)), ("ReplicationPad2d", ((1, 0, 4, 2),), (3, 4, 5)),
    ("ReplicationPad3d", (1,), (1, 2, 3, 3, 3)),
    ("ReplicationPad3d", ((0, 2, 1, 1, 3, 0),), (2, 3, 4, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad1d", ((3, -1),), (3, 4)),
    ("CircularPad2d", (1,), (2, 3, 4, 4)), ("CircularPad2d", ((2, 0, 1, 3),), (3, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 3, 3)),
    ("CircularPad3d", ((2, 0, 1, 1, 0, 2),), (2, 3, 4, 3)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,args,shape", LAYERS)
def test_layers_match_torch(name, args, shape, torch):
    from torch_compare import same
    a = _x(shape, 2)

    def run(lib):
        m = getattr(lib.nn, name)(*args)
        x = lib.tensor(a, requires_grad=True)
        y = m(x)
        (y * y).sum().backward()
        return repr(m), m.padding, y, x.grad, list(m.state_dict())
    same(run, torch)


@pytest.mark.torch
def test_layer_errors_match_torch(torch):
    from torch_compare import same
    for name, x_shape in [("CircularPad1d", (2, 3, 4, 5)), ("CircularPad2d", (4, 4)),
                          ("CircularPad3d", (2, 2, 2)), ("ReflectionPad2d", (4, 4)),
                          ("ReplicationPad1d", (4,))]:
        same(lambda lib: getattr(lib.nn, name)(1)(lib.ones(*x_shape)), torch)


def test_layers_are_parameterless_and_run_on_device(device):
    x = gg.randn(2, 3, 4, 4, device=device, requires_grad=True)
    for layer in (nn.ZeroPad2d(1), nn.ReflectionPad2d(1), nn.ReplicationPad2d(1),
                  nn.CircularPad2d(1), nn.ConstantPad2d(1, 3.0)):
        assert list(layer.parameters()) == [] and layer.state_dict() == {}
        y = layer(x)
        assert y.shape == (2, 3, 6, 6) and y.device == x.device
    model = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(3, 2, 3)).to(device)
    model(x).sum().backward()
    assert x.grad.shape == x.shape


def test_zero_pad_is_constant_zero():
    m = nn.ZeroPad2d((1, 2, 0, 1))
    assert isinstance(m, nn.ConstantPad2d) and m.value == 0.0
    assert repr(m) == "ZeroPad2d((1, 2, 0, 1))"
    assert repr(nn.ConstantPad1d(2, 1.5)) == "ConstantPad1d(padding=(2, 2), value=1.5)"


def test_docstring_examples():
    """The examples in the docstrings of the padding, shuffle, fold and extra normalization
    code (ops and layers) run and print what they show."""
    import doctest
    import importlib
    modules = ["gpugrad.ops.padding", "gpugrad.ops.pixelshuffle", "gpugrad.ops.fold",
               "gpugrad.ops.normalization_extra", "gpugrad.nn.modules.padding",
               "gpugrad.nn.modules.pixelshuffle", "gpugrad.nn.modules.channelshuffle",
               "gpugrad.nn.modules.fold", "gpugrad.nn.modules.instancenorm",
               "gpugrad.nn.modules.normalization"]
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for name in modules:
        mod = importlib.import_module(name)
        globs = dict(vars(mod), gg=gg, F=F)
        for t in doctest.DocTestFinder().find(mod, globs=globs):
            if t.examples:
                runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted >= 55
