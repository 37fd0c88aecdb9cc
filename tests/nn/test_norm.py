"""Normalization: gradcheck, gradgradcheck, parity with PyTorch, running statistics, layers."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _rng(seed):
    return np.random.default_rng(seed)


def _arrays(x_shape, p_shape, seed=0, dtype=np.float64):
    r = _rng(seed)
    return [(r.standard_normal(x_shape) * 2 + 0.5).astype(dtype),
            r.standard_normal(p_shape).astype(dtype), r.standard_normal(p_shape).astype(dtype)]


# name: (call(lib, x, w, b), input shape, parameter shape)
CASES = {
    "batch_train_2d": (lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, None, None, w, b, training=True), (4, 3), (3,)),
    "batch_train_4d": (lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, None, None, w, b, training=True, eps=1e-3), (2, 3, 2, 3), (3,)),
    "batch_eval": (lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, lib.tensor([0.1, -0.2, 0.3], dtype=x.dtype, device=x.device),
        lib.tensor([0.5, 1.5, 2.0], dtype=x.dtype, device=x.device), w, b, training=False),
        (2, 3, 4), (3,)),
    "batch_no_affine": (lambda lib, x, w, b: lib.nn.functional.batch_norm(
        x, None, None, training=True), (3, 2, 4), (2,)),
    "layer_1": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4,), w, b),
                (2, 3, 4), (4,)),
    "layer_2": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (3, 4), w, b, eps=1e-2),
                (2, 3, 4), (3, 4)),
    "layer_no_affine": (lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (5,)),
                        (3, 5), (5,)),
    "group": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b), (2, 4, 3), (4,)),
    "group_4d": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b),
                 (2, 6, 2, 2), (6,)),
    "group_weight_only": (lambda lib, x, w, b: lib.nn.functional.group_norm(x, 1, w),
                          (2, 3, 4), (3,)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck_and_gradgradcheck(name, device):
    call, xs, ps = CASES[name]
    x, w, b = (gg.tensor(a, device=device, requires_grad=True) for a in _arrays(xs, ps))
    fn = lambda x, w, b: call(gg, x, w, b)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, dtype, device, torch):
    call, xs, ps = CASES[name]
    arrays = _arrays(xs, ps, 1, dtype)
    ours = [gg.tensor(a, device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = call(gg, *ours), call(torch, *theirs)
    g = _rng(2).standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(gg.tensor(g, device=device))
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert y.dtype.name == dtype
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            np.testing.assert_allclose(o.grad.cpu().numpy(), t.grad.numpy(), **tol)


def test_node_names_and_saves():
    x = gg.randn(4, 3, requires_grad=True)
    assert F.batch_norm(x, None, None, training=True).grad_fn.name() == \
        "NativeBatchNormBackward0"
    assert F.layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"
    y = F.group_norm(x.detach(), 1, gg.ones(3, requires_grad=True))
    assert y.grad_fn.name() == "NativeGroupNormBackward0"
    # Only the bias needs a gradient: nothing is saved.
    y = F.layer_norm(x.detach(), (3,), None, gg.zeros(3, requires_grad=True))
    assert y.grad_fn.saved_tensors == ()


# ------------------------------------------------------------------ batch norm layers
@pytest.mark.parametrize("cls,shape,kw", [
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), dict(momentum=None)),
    ("BatchNorm2d", (4, 3, 3, 2), dict(momentum=0.3, eps=1e-3)),
    ("BatchNorm2d", (4, 3, 3, 2), dict(affine=False)),
    ("BatchNorm3d", (2, 3, 2, 2, 2), dict(momentum=None, bias=False)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batchnorm_running_stats_match_torch(cls, shape, kw, dtype, device, torch):
    ours = getattr(nn, cls)(3, **kw).to(device=device, dtype=getattr(gg, dtype))
    theirs = getattr(torch.nn, cls)(3, **kw).to(getattr(torch, dtype))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    r = _rng(3)
    for step in range(4):
        x = (r.standard_normal(shape) * (step + 1) + step).astype(dtype)
        y = ours(gg.tensor(x, device=device))
        ty = theirs(torch.tensor(x))
        np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    for name, t in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].cpu().numpy(), t.numpy(), **tol,
                                   err_msg=name)
    assert int(ours.num_batches_tracked) == 4
    ours.eval()
    theirs.eval()
    x = r.standard_normal(shape).astype(dtype)
    np.testing.assert_allclose(ours(gg.tensor(x, device=device)).detach().cpu().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), **tol)


def test_batchnorm_without_running_stats(torch):
    ours, theirs = nn.BatchNorm2d(2, track_running_stats=False), \
        torch.nn.BatchNorm2d(2, track_running_stats=False)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert ours.running_mean is None and ours.num_batches_tracked is None
    ours.eval()
    theirs.eval()
    x = _rng(4).standard_normal((3, 2, 2, 2)).astype(np.float32)
    # In eval with no running statistics, the batch's statistics are used.
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_batchnorm_loads_torch_state_dict(torch):
    theirs = torch.nn.BatchNorm1d(3)
    theirs(torch.randn(5, 3) * 3)
    sd = {k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()}
    ours = nn.BatchNorm1d(3)
    ours.load_state_dict(sd)
    assert int(ours.num_batches_tracked) == 1
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy())
    # A checkpoint from before num_batches_tracked existed still loads (as 0).
    del sd["num_batches_tracked"]
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(sd)
    assert int(fresh.num_batches_tracked) == 0


def test_batchnorm_train_backward_matches_torch(torch):
    ours, theirs = nn.BatchNorm2d(3).double(), torch.nn.BatchNorm2d(3).double()
    x = _rng(5).standard_normal((2, 3, 4, 4))
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(gx) ** 3).sum().backward()
    (theirs(tx) ** 3).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9)


# ------------------------------------------------------------------ layer and group norm layers
@pytest.mark.parametrize("cls,args,kw,shape", [
    ("LayerNorm", (4,), {}, (2, 3, 4)),
    ("LayerNorm", ((3, 4),), dict(eps=1e-3, bias=False), (2, 3, 4)),
    ("LayerNorm", (4,), dict(elementwise_affine=False), (5, 4)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), dict(affine=False), (2, 6, 2, 2)),
    ("GroupNorm", (1, 3), dict(bias=False, eps=1e-2), (2, 3, 4)),
])
def test_layer_matches_torch(cls, args, kw, shape, torch):
    ours, theirs = getattr(nn, cls)(*args, **kw).double(), \
        getattr(torch.nn, cls)(*args, **kw).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    r = _rng(6)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(r.standard_normal(tuple(p.shape))))
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = r.standard_normal(shape)
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(gx), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------ errors
ERRORS = {
    "one_value_per_channel": lambda lib: lib.nn.functional.batch_norm(
        lib.zeros(1, 3), lib.zeros(3), lib.ones(3), training=True),
    "running_size": lambda lib: lib.nn.functional.batch_norm(
        lib.zeros(2, 4), lib.zeros(3), lib.ones(3), training=True),
    "weight_size": lambda lib: lib.nn.functional.batch_norm(
        lib.zeros(2, 3, 4), lib.zeros(3), lib.ones(3), weight=lib.ones(4), training=True),
    "eval_without_stats": lambda lib: lib.nn.functional.batch_norm(lib.zeros(2, 3), None,
                                                                   None),
    "layer_shape": lambda lib: lib.nn.functional.layer_norm(lib.zeros(2, 3, 4), (5,)),
    "layer_weight": lambda lib: lib.nn.functional.layer_norm(lib.zeros(2, 3, 4), (4,),
                                                             weight=lib.ones(3)),
    "group_divisible": lambda lib: lib.nn.functional.group_norm(lib.zeros(2, 3, 4), 2),
    "group_weight": lambda lib: lib.nn.functional.group_norm(lib.zeros(2, 4, 4), 2,
                                                             weight=lib.ones(3)),
    "bn2d_rank": lambda lib: lib.nn.BatchNorm2d(3)(lib.zeros(2, 3, 4)),
    "bn1d_rank": lambda lib: lib.nn.BatchNorm1d(3)(lib.zeros(2, 3, 4, 5)),
    "groupnorm_layer": lambda lib: lib.nn.GroupNorm(2, 5),
    "mixed_dtype": lambda lib: lib.nn.LayerNorm(5)(lib.zeros(2, 5, dtype=lib.float64)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    same(ERRORS[name], torch)
