"""Adaptive max pooling, max unpooling, LP pooling and the *_with_indices forms: gradcheck,
gradgradcheck, parity with PyTorch (values, indices, grads, errors), layers."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _distinct(shape, seed=0, dtype=np.float64):
    # Distinct values 0.1 apart: a gradcheck step never changes which element is the max.
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed)
    return (rng.permutation(n).reshape(shape) * 0.1 - n * 0.05).astype(dtype)


ADAPTIVE = [
    ("adaptive_max_pool1d", (2, 3, 7), 3),
    ("adaptive_max_pool1d", (3, 7), 4),
    ("adaptive_max_pool1d", (2, 3, 4), 6),
    ("adaptive_max_pool2d", (2, 2, 5, 7), (3, 4)),
    ("adaptive_max_pool2d", (2, 5, 7), (None, 3)),
    ("adaptive_max_pool2d", (1, 2, 6, 4), 1),
    ("adaptive_max_pool2d", (1, 2, 3, 2), (4, 5)),
    ("adaptive_max_pool3d", (1, 2, 3, 5, 4), (2, 3, 2)),
    ("adaptive_max_pool3d", (2, 4, 3, 5), 2),
]


@pytest.mark.parametrize("fn,shape,out", ADAPTIVE)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_max_matches_torch(torch, fn, shape, out, dtype):
    a = _distinct(shape, dtype=dtype)
    g = np.random.default_rng(1).standard_normal(
        getattr(torch.nn.functional, fn)(torch.tensor(a), out).shape).astype(dtype)

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y, idx = getattr(lib.nn.functional, fn)(x, out, return_indices=True)
        (y * lib.tensor(g)).sum().backward()
        return y, idx, x.grad
    from torch_compare import same
    same(run, torch)


def test_adaptive_max_ties_and_nan(torch):
    from torch_compare import same
    a = np.array([[[1.0, 1.0, 0.0, np.nan, 2.0, np.nan, 3.0]]])
    same(lambda lib: lib.nn.functional.adaptive_max_pool1d_with_indices(lib.tensor(a), 3),
         torch)
    same(lambda lib: lib.nn.functional.adaptive_max_pool1d(lib.tensor(a), 2,
                                                             return_indices=True), torch)


@pytest.mark.parametrize("fn,shape,out", ADAPTIVE)
def test_adaptive_max_gradcheck(fn, shape, out):
    x = gg.tensor(_distinct(shape), requires_grad=True)
    f = getattr(F, fn)
    assert gradcheck(lambda t: f(t, out), [x])
    assert gradgradcheck(lambda t: f(t, out), [x])


@pytest.mark.parametrize("fn,args", [
    ("adaptive_max_pool1d", ((2, 3, 4, 5), 2)),
    ("adaptive_max_pool1d", ((1, 5, 5), (2, 2))),
    ("adaptive_max_pool2d", ((5,), 2)),
    ("adaptive_max_pool3d", ((5,), 2)),
    ("adaptive_max_pool2d", ((1, 0, 5), 2)),
    ("adaptive_max_pool2d", ((1, 5, 5), -1)),
    ("adaptive_max_pool2d", ((1, 1, 5, 5), (2, 2, 2))),
    ("adaptive_max_pool3d", ((1, 1, 5, 5, 5), (2, 2))),
    ("adaptive_max_pool2d", ((1, 5, 5), (2, 2, 2))),
    ("adaptive_max_pool2d", ((1, 1, 1, 5, 5), (2, 2, 2))),
    ("adaptive_max_pool2d", ((5,), (2, 2))),
    ("adaptive_max_pool2d", ((1, 1, 5, 5), (2, None, 2))),
    ("adaptive_max_pool1d", ((1, 5, 5), None)),
    ("adaptive_max_pool2d", ((1, 0, 5, 5), (2, 2))),
])
def test_adaptive_max_errors(torch, fn, args):
    from torch_compare import same
    shape, out = args
    same(lambda lib: getattr(lib.nn.functional, fn)(lib.zeros(*shape), out), torch)


def test_adaptive_max_integer_error(torch):
    from torch_compare import same
    same(lambda lib: lib.nn.functional.adaptive_max_pool2d(lib.arange(25).reshape(1, 5, 5), 2),
         torch)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_max_pool_with_indices(torch, d):
    from torch_compare import same
    a = _distinct((2, 2) + (5,) * d)
    name = f"max_pool{d}d_with_indices"
    same(lambda lib: getattr(lib.nn.functional, name)(lib.tensor(a), 3, 2, 1), torch)
    # return_indices=False still returns both, as PyTorch's.
    same(lambda lib: getattr(lib.nn.functional, name)(lib.tensor(a), 2, return_indices=False),
         torch)


UNPOOL = [
    (1, (2, 3, 8), dict(kernel_size=2), None),
    (1, (3, 9), dict(kernel_size=3, stride=2, padding=1), [9]),
    (2, (2, 2, 5, 5), dict(kernel_size=2), (5, 5)),
    (2, (2, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1), (6, 6)),
    (2, (2, 5, 4), dict(kernel_size=(2, 1)), [1, 2, 5, 4]),
    (3, (1, 2, 4, 4, 5), dict(kernel_size=2), (4, 4, 5)),
    (3, (2, 4, 4, 4), dict(kernel_size=2, stride=2), None),
]


@pytest.mark.parametrize("d,shape,kw,out", UNPOOL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_unpool_matches_torch(torch, d, shape, kw, out, dtype):
    from torch_compare import same
    a = _distinct(shape, dtype=dtype)

    def run(lib):
        fn = lib.nn.functional
        y, idx = getattr(fn, f"max_pool{d}d")(lib.tensor(a), return_indices=True, **kw)
        y = y.detach().requires_grad_()
        u = getattr(fn, f"max_unpool{d}d")(y, idx, output_size=out, **kw)
        g = lib.arange(u.numel(), dtype=u.dtype).reshape(u.shape)
        (u * g).sum().backward()
        return u, y.grad
    same(run, torch)


# Overlapping pooling windows can pick one element twice; unpooling then writes one place
# twice and is not differentiable there, so the gradchecks take the non-overlapping cases.
UNPOOL_TILED = [c for c in UNPOOL if c[2].get("stride", c[2]["kernel_size"]) == c[2]["kernel_size"]]


@pytest.mark.parametrize("d,shape,kw,out", UNPOOL_TILED)
def test_max_unpool_gradcheck(d, shape, kw, out):
    y, idx = getattr(F, f"max_pool{d}d")(gg.tensor(_distinct(shape)), return_indices=True, **kw)
    y = y.detach().requires_grad_()
    fn = getattr(F, f"max_unpool{d}d")
    assert gradcheck(lambda t: fn(t, idx, output_size=out, **kw), [y])
    assert gradgradcheck(lambda t: fn(t, idx, output_size=out, **kw), [y])


@pytest.mark.parametrize("case", range(9))
def test_max_unpool_errors(torch, case):
    from torch_compare import same

    def run(lib):
        fn, z = lib.nn.functional, lib.zeros
        long = lib.int64
        if case == 0:
            return fn.max_unpool2d(z(1, 1, 2, 2), z(1, 1, 2, 2, dtype=lib.int32), 2)
        if case == 1:
            return fn.max_unpool2d(z(1, 1, 2, 2), z(1, 1, 2, 3, dtype=long), 2)
        if case == 2:
            return fn.max_unpool2d(z(2, 2), z(2, 2, dtype=long), 2)
        if case == 3:
            return fn.max_unpool1d(z(2, 2), z(2, 2, dtype=long), 2, output_size=[9])
        if case == 4:
            return fn.max_unpool3d(z(1, 1, 2, 2, 2), z(1, 1, 2, 2, 2, dtype=long) + 100, 2)
        if case == 5:
            return fn.max_unpool1d(z(1, 2, 2), z(1, 2, 2, dtype=long) + 5, 2)
        if case == 6:
            return fn.max_unpool2d(z(3, 1, 2, 2), z(3, 1, 2, 2, dtype=long) - 1, 2)
        if case == 7:
            return fn.max_unpool2d(z(1, 1, 2, 2), z(1, 1, 2, 2, dtype=long), 2,
                                   output_size=(1, 2, 3))
        return fn.max_unpool1d(z(1, 2, 2, 2), z(1, 2, 2, 2, dtype=long), 2)
    same(run, torch)


LP = [
    (1, (2, 3, 8), 2, dict(kernel_size=3, stride=2)),
    (1, (3, 7), 1.5, dict(kernel_size=2, ceil_mode=True)),
    (2, (2, 2, 5, 6), 3, dict(kernel_size=(2, 3), stride=1)),
    (2, (2, 5, 5), 2.0, dict(kernel_size=2)),
    (3, (1, 2, 4, 4, 5), 2, dict(kernel_size=2, stride=(1, 2, 2))),
    (2, (2, 2, 4, 4), float("inf"), dict(kernel_size=2)),
    (1, (2, 3, 8), -float("inf"), dict(kernel_size=2)),
]


@pytest.mark.parametrize("d,shape,p,kw", LP)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lp_pool_matches_torch(torch, d, shape, p, kw, dtype):
    from torch_compare import same
    # Positive inputs: a fractional power of a negative window sum is NaN in both.
    a = np.abs(_distinct(shape, dtype=dtype)) + 0.05

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y = getattr(lib.nn.functional, f"lp_pool{d}d")(x, p, **kw)
        y.sum().backward()
        return y, x.grad
    same(run, torch, rtol=1e-4)


@pytest.mark.parametrize("d,shape,p,kw", LP)
def test_lp_pool_gradcheck(d, shape, p, kw):
    x = gg.tensor(np.abs(_distinct(shape)) + 0.05, requires_grad=True)
    fn = getattr(F, f"lp_pool{d}d")
    assert gradcheck(lambda t: fn(t, p, **kw), [x])
    assert gradgradcheck(lambda t: fn(t, p, **kw), [x])


def test_module_reprs(torch):
    for build in [lambda n: n.AdaptiveMaxPool1d(3), lambda n: n.AdaptiveMaxPool2d((2, None), True),
                  lambda n: n.AdaptiveMaxPool3d(2), lambda n: n.MaxUnpool1d(2),
                  lambda n: n.MaxUnpool2d(2, 1), lambda n: n.MaxUnpool3d((2, 1, 2), padding=1),
                  lambda n: n.LPPool1d(2.0, 3, 2), lambda n: n.LPPool2d(2, 3),
                  lambda n: n.LPPool3d(1, 2, ceil_mode=True)]:
        assert repr(build(nn)) == repr(build(torch.nn))
        assert build(nn).state_dict() == {}


def test_modules_match_torch(torch):
    from torch_compare import same
    a = _distinct((2, 3, 6, 5))

    def run(lib):
        n = lib.nn
        x = lib.tensor(a)
        y, idx = n.AdaptiveMaxPool2d((3, 2), return_indices=True)(x)
        p, pidx = n.MaxPool2d(2, return_indices=True)(x)
        u = n.MaxUnpool2d(2)(p, pidx, output_size=x.shape[-2:])
        lp = n.LPPool2d(2, 2)(x.abs())
        return y, idx, n.AdaptiveMaxPool1d(2)(x[0]), n.AdaptiveMaxPool3d(2)(x), u, lp
    same(run, torch)


def test_device(device):
    x = gg.tensor(_distinct((1, 2, 5, 5)), device=device, requires_grad=True)
    y, idx = F.adaptive_max_pool2d(x, 3, return_indices=True)
    u = F.max_unpool2d(y, idx, 2, output_size=(5, 5))
    u.sum().backward()
    assert u.device == x.device and x.grad.device == x.device


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_adaptive_max_any_sizes_match_torch(data):
    # Any input and output sizes (also outputs larger than the input): values and indices as
    # PyTorch's, ties included (small integer-valued floats repeat often).
    torch = pytest.importorskip("torch")
    d = data.draw(st.integers(1, 3))
    spatial = data.draw(st.lists(st.integers(1, 6), min_size=d, max_size=d))
    out = data.draw(st.lists(st.integers(1, 7), min_size=d, max_size=d))
    a = data.draw(hnp.arrays(np.float64, [2, 2] + spatial, elements=st.integers(-3, 3)))
    name = f"adaptive_max_pool{d}d"
    y, idx = getattr(F, name)(gg.tensor(a), out, return_indices=True)
    ty, ti = getattr(torch.nn.functional, name)(torch.tensor(a), out, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(idx.numpy(), ti.numpy())
