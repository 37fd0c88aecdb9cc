"""InstanceNorm1d/2d/3d, RMSNorm, LocalResponseNorm, CrossMapLRN2d and their functional
forms: values, gradients (twice), running statistics, errors, reprs and state dicts against
PyTorch."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _x(shape, seed=0, dtype=np.float64):
    return (np.random.default_rng(seed).standard_normal(shape) * 1.5 + 0.3).astype(dtype)


def _grads(lib, fn, arrays):
    """fn's output and the gradients of a weighted sum of it, for every array given."""
    ts = [None if a is None else lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(lib, *ts)
    w = lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape).cos()
    (y * w).sum().backward()
    return [y] + [None if t is None else t.grad for t in ts]


# ------------------------------------------------------------------ instance norm
IN_CASES = {
    "plain_3d": (lambda lib, x, w, b: lib.nn.functional.instance_norm(x), (2, 3, 5)),
    "affine_4d": (lambda lib, x, w, b: lib.nn.functional.instance_norm(
        x, weight=w, bias=b, eps=1e-3), (2, 3, 4, 3)),
    "weight_only_5d": (lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w),
                       (2, 3, 2, 3, 2)),
    "eval_running": (lambda lib, x, w, b: lib.nn.functional.instance_norm(
        x, lib.tensor([0.1, -0.2, 0.3], dtype=x.dtype), lib.tensor([0.5, 1.5, 2.0],
                                                                    dtype=x.dtype),
        w, b, use_input_stats=False), (2, 3, 4)),
    "train_running": (lambda lib, x, w, b: lib.nn.functional.instance_norm(
        x, lib.zeros(3, dtype=x.dtype), lib.ones(3, dtype=x.dtype), w, b, momentum=0.3),
        (4, 3, 6)),
}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(IN_CASES))
def test_instance_norm_matches_torch(name, dtype, torch):
    from torch_compare import same
    call, xs = IN_CASES[name]
    arrays = [_x(xs, 1, dtype), _x(3, 2, dtype), _x(3, 3, dtype)]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    same(lambda lib: _grads(lib, call, arrays), torch, **tol)


@pytest.mark.parametrize("name", list(IN_CASES))
def test_instance_norm_gradcheck(name, device):
    call, xs = IN_CASES[name]
    if name.endswith("running") and device != "cpu":
        pytest.skip("the case makes its running stats on the default device")
    x, w, b = (gg.tensor(a, device=device, requires_grad=True)
               for a in (_x(xs), _x(3, 1), _x(3, 2)))
    fn = lambda x, w, b: call(gg, x, w, b)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.torch
def test_instance_norm_updates_running_stats_as_torch(torch):
    a = _x((4, 3, 5), 4, np.float32)
    ours = [gg.zeros(3), gg.ones(3)]
    theirs = [torch.zeros(3), torch.ones(3)]
    for _ in range(3):
        F.instance_norm(gg.tensor(a), *ours, momentum=0.2)
        torch.nn.functional.instance_norm(torch.tensor(a), *theirs, momentum=0.2)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)
    # float64 buffers with float32 input, as PyTorch allows.
    rm, rv = gg.zeros(3, dtype=gg.float64), gg.ones(3, dtype=gg.float64)
    F.instance_norm(gg.tensor(a), rm, rv)
    assert rm.dtype == gg.float64 and rm.abs().sum().item() > 0


IN_ERRORS = [
    lambda lib: lib.nn.functional.instance_norm(lib.ones(3, 4)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 1)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4), use_input_stats=False),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4), lib.zeros(3)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4), weight=lib.ones(4)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4), lib.zeros(4), lib.ones(4)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4, dtype=lib.int64)),
    lambda lib: lib.nn.functional.instance_norm(
        lib.ones(2, 3, 4), weight=lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.nn.functional.instance_norm(
        lib.ones(2, 3, 4, dtype=lib.float64), bias=lib.ones(3)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(3), lib.ones(3), lib.ones(3),
                                                use_input_stats=False),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(0, 3, 4)),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 1), lib.zeros(3), lib.ones(3),
                                                use_input_stats=False),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4, dtype=lib.float16),
                                                weight=lib.ones(3)),
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(IN_ERRORS)))
def test_instance_norm_errors_and_edges_match_torch(i, torch):
    from torch_compare import same
    same(IN_ERRORS[i], torch, rtol=1e-3, atol=1e-3)


LAYER_CASES = [
    ("InstanceNorm1d", dict(num_features=3), (2, 3, 5)),
    ("InstanceNorm1d", dict(num_features=3, affine=True), (3, 6)),
    ("InstanceNorm2d", dict(num_features=3, affine=True, track_running_stats=True),
     (2, 3, 4, 4)),
    ("InstanceNorm2d", dict(num_features=2, track_running_stats=True, momentum=None),
     (2, 3, 3)),
    ("InstanceNorm3d", dict(num_features=2, eps=1e-3, momentum=0.5, affine=True,
                            track_running_stats=True), (2, 2, 3, 2, 3)),
    ("InstanceNorm3d", dict(num_features=2, affine=True, bias=False), (2, 3, 2, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name,kwargs,shape", LAYER_CASES)
def test_instance_norm_layers_match_torch(name, kwargs, shape, torch):
    from torch_compare import same
    batches = [_x(shape, s, np.float32) for s in range(3)]

    def run(lib):
        m = getattr(lib.nn, name)(**kwargs)
        outs = []
        for a in batches[:2]:
            x = lib.tensor(a, requires_grad=True)
            y = m(x)
            (y * y.detach().sin()).sum().backward()
            outs += [y, x.grad]
        m.eval()
        outs.append(m(lib.tensor(batches[2])))
        grads = {k: p.grad for k, p in m.named_parameters()}
        return repr(m), outs, dict(m.state_dict()), grads
    same(run, torch, rtol=1e-4, atol=1e-5)


@pytest.mark.torch
def test_instance_norm_layer_errors_and_warning_match_torch(torch):
    from torch_compare import same
    same(lambda lib: lib.nn.InstanceNorm1d(4)(lib.ones(2, 3, 5, 4)), torch)
    same(lambda lib: lib.nn.InstanceNorm2d(4)(lib.ones(5, 4)), torch)
    same(lambda lib: lib.nn.InstanceNorm3d(4, affine=True)(lib.ones(2, 3, 2, 2, 2)), torch)
    with pytest.warns(UserWarning, match="does not match num_features"):
        y = nn.InstanceNorm1d(4)(gg.randn(2, 3, 5))
    assert y.shape == (2, 3, 5)


def test_instance_norm_state_dict():
    m = nn.InstanceNorm2d(3, track_running_stats=True)
    assert list(m.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    m(gg.randn(2, 3, 4, 4))
    assert int(m.num_batches_tracked) == 0          # as PyTorch: never counted
    assert nn.InstanceNorm2d(3).state_dict() == {}
    new = nn.InstanceNorm2d(3, track_running_stats=True)
    new.load_state_dict(m.state_dict())
    assert gg.equal(new.running_mean, m.running_mean)


@pytest.mark.torch
def test_instance_norm_old_checkpoint_matches_torch(torch):
    # A checkpoint without versions (before 0.4) holding running stats that the layer does
    # not track: PyTorch's message; with the stats tracked, they load.
    from torch_compare import same
    same(lambda lib: lib.nn.InstanceNorm2d(3).load_state_dict(
        {"running_mean": lib.zeros(3), "running_var": lib.ones(3)}), torch)
    same(lambda lib: list(lib.nn.InstanceNorm2d(3, track_running_stats=True).load_state_dict(
        {"running_mean": lib.zeros(3), "running_var": lib.ones(3)})), torch)


def test_instance_norm_layer_on_device(device):
    m = nn.InstanceNorm2d(3, affine=True, track_running_stats=True).to(device)
    x = gg.randn(2, 3, 5, 5, device=device, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.device == x.device and m.running_mean.device == x.device
    assert abs(y[1, 2].mean().item()) < 1e-5
    m.eval()
    assert m(x).shape == x.shape


# ------------------------------------------------------------------ rms norm
RMS_CASES = [
    ((2, 3, 4), [4], True, None),
    ((2, 3, 4), [3, 4], True, 1e-5),
    ((5, 4), (4,), False, None),
    ((2, 3, 4), [4], False, 0.25),
]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,nshape,affine,eps", RMS_CASES)
def test_rms_norm_matches_torch(shape, nshape, affine, eps, dtype, torch):
    from torch_compare import same
    arrays = [_x(shape, 5, dtype), _x(tuple(nshape), 6, dtype) if affine else None]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    same(lambda lib: _grads(lib, lambda m, x, w: m.nn.functional.rms_norm(x, nshape, w, eps),
                            arrays), torch, **tol)


@pytest.mark.parametrize("shape,nshape,affine,eps", RMS_CASES)
def test_rms_norm_gradcheck(shape, nshape, affine, eps, device):
    x = gg.tensor(_x(shape, 7), device=device, requires_grad=True)
    w = gg.tensor(_x(tuple(nshape), 8), device=device, requires_grad=True)
    fn = (lambda x, w: F.rms_norm(x, nshape, w, eps)) if affine else \
        (lambda x, w: F.rms_norm(x, nshape, None, eps) * w.sum())
    assert gradcheck(fn, (x, w))
    assert gradgradcheck(fn, (x, w))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Mismatch dtype between input and weight")
def test_rms_norm_eps_and_dtypes_match_torch(torch):
    from torch_compare import same
    same(lambda lib: [
        lib.nn.functional.rms_norm(lib.full((1, 4), 1e-4), [4]),
        lib.nn.functional.rms_norm(lib.full((1, 4), 1e-4, dtype=lib.float64), [4]),
        lib.nn.functional.rms_norm(lib.full((2, 4), 1e-3, dtype=lib.float16), [4]),
        lib.nn.functional.rms_norm(lib.full((1, 4), 1e-4), [4], eps=1e-6),
        lib.nn.functional.rms_norm(lib.zeros(2, 4), [4]),
        lib.nn.functional.rms_norm(lib.ones(0, 4), [4]),
        lib.nn.functional.rms_norm(lib.ones(2, 3), lib.Size([3])),
        lib.nn.functional.rms_norm(lib.ones(2, 4, dtype=lib.float16), [4], lib.ones(4)),
    ], torch, rtol=1e-3, atol=1e-4)


RMS_ERRORS = [
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), 4),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), (3,)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), (2, 4)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), (5, 2, 3, 4)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), ()),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3, 4), (4,), lib.ones(3)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (1, 2, 3), lib.ones(5)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 4, dtype=lib.int64), (4,)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), (3.0,)),
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(RMS_ERRORS)))
def test_rms_norm_errors_match_torch(i, torch):
    from torch_compare import same
    same(RMS_ERRORS[i], torch)


@pytest.mark.torch
def test_rms_norm_layer_matches_torch(torch):
    from torch_compare import same
    a = _x((2, 3, 4), 9, np.float32)

    def run(lib):
        layers = [lib.nn.RMSNorm(4), lib.nn.RMSNorm([3, 4], eps=1e-5, elementwise_affine=False),
                  lib.nn.RMSNorm(lib.Size([4]), eps=0.1)]
        x = lib.tensor(a, requires_grad=True)
        outs = [m(x) for m in layers]
        sum((o * o).sum() for o in outs).backward()
        return ([repr(m) for m in layers], outs, x.grad, layers[0].weight.grad,
                [dict(m.state_dict()) for m in layers])
    same(run, torch)


def test_rms_norm_layer_parameters(device):
    m = nn.RMSNorm(4, device=device, dtype=gg.float64)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert m.weight.dtype == gg.float64 and m.weight.tolist() == [1.0] * 4
    assert list(nn.RMSNorm(4, elementwise_affine=False).parameters()) == []
    y = m(gg.randn(3, 4, device=device, dtype=gg.float64))
    assert y.device == m.weight.device
    np.testing.assert_allclose(y.detach().square().mean(-1).cpu().numpy(), 1.0, rtol=1e-6)


# ------------------------------------------------------------------ local response norms
LRN_CASES = [((2, 5, 4), 3, 1e-4, 0.75, 1.0), ((2, 6, 3, 3), 2, 0.5, 0.75, 1.0),
             ((1, 4, 2, 3, 2), 5, 1.0, 1.5, 2.0), ((2, 3, 4), 1, 0.3, 0.5, 0.5)]


@pytest.mark.torch
@pytest.mark.parametrize("shape,size,alpha,beta,k", LRN_CASES)
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k, torch):
    from torch_compare import same
    same(lambda lib: _grads(lib, lambda m, x: m.nn.functional.local_response_norm(
        x, size, alpha, beta, k), [_x(shape, 10)]), torch, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape,size,alpha,beta,k", LRN_CASES[:3])
def test_local_response_norm_gradcheck(shape, size, alpha, beta, k, device):
    x = gg.tensor(_x(shape, 11), device=device, requires_grad=True)
    fn = lambda t: F.local_response_norm(t, size, alpha, beta, k)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.torch
def test_local_response_norm_layer_and_errors_match_torch(torch):
    from torch_compare import same
    a = _x((2, 4, 3, 3), 12, np.float32)
    same(lambda lib: (repr(lib.nn.LocalResponseNorm(3)),
                      repr(lib.nn.LocalResponseNorm(2, alpha=1, beta=2, k=3)),
                      lib.nn.LocalResponseNorm(3, alpha=0.1)(lib.tensor(a))), torch)
    same(lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3), 2), torch)
    same(lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3, 4), 0), torch)
    same(lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3, 4, 4), -1), torch)
    same(lambda lib: lib.nn.functional.local_response_norm(lib.ones(0, 3, 4), 2), torch)


@pytest.mark.torch
@pytest.mark.parametrize("c,size", [(7, 3), (7, 1), (4, 5), (6, 2), (9, 4)])
def test_cross_map_lrn2d_forward_matches_torch(c, size, torch):
    from torch_compare import same
    a = _x((2, c, 3, 2), 13)
    same(lambda lib: (repr(lib.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.0)),
                      lib.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.0)(lib.tensor(a))),
         torch, rtol=1e-10, atol=1e-12)
    same(lambda lib: lib.nn.CrossMapLRN2d(size)(lib.ones(2, 3, 4)), torch)


def test_cross_map_lrn2d_gradient_is_its_forwards(device):
    # PyTorch's hand-written backward does not match its forward; ours is the forward's own.
    x = gg.tensor(_x((2, 6, 2, 2), 14), device=device, requires_grad=True)
    m = nn.CrossMapLRN2d(3, alpha=0.5, beta=0.75, k=1.0)
    assert gradcheck(m, (x,))
    assert gradgradcheck(m, (x,))
    assert repr(nn.CrossMapLRN2d(3)) == "CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)"


def test_norm_layers_in_a_model(device):
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.InstanceNorm2d(4, affine=True),
                          nn.LocalResponseNorm(2), nn.Flatten(), nn.RMSNorm(4 * 5 * 5)).to(device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = model(gg.randn(2, 3, 5, 5, device=device))
    y.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
