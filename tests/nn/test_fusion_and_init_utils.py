"""nn.utils fusion (conv/linear + BatchNorm), skip_init and the deprecated clip_grad_norm,
against PyTorch."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn


def _copy_module(gm, tm, torch):
    """Load tm's parameters and buffers into gm (same names)."""
    gm.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()
                        if v.dtype != torch.int64})


def _bn_pair(torch, lib_cls_name, n, dtype, rng):
    tbn = getattr(torch.nn, lib_cls_name)(n).to(dtype)
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(rng.standard_normal(n)))
        tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, n)))
        tbn.weight.copy_(torch.tensor(rng.standard_normal(n)))
        tbn.bias.copy_(torch.tensor(rng.standard_normal(n)))
    gbn = getattr(nn, lib_cls_name)(n).to(getattr(gg, str(dtype)[6:]))
    _copy_module(gbn, tbn, torch)
    return gbn.eval(), tbn.eval()


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("case", ["conv2d", "conv1d_nobias", "convtranspose2d", "linear",
                                  "linear_bn1"])
def test_fused_layers_match_torch(case, dtype, tol, torch):
    rng = np.random.default_rng(0)
    tdt, gdt = getattr(torch, dtype), getattr(gg, dtype)
    if case.startswith("conv2d"):
        tl, gl, x = torch.nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3), rng.standard_normal((2, 3, 5, 5))
        bn, transpose, fuse = "BatchNorm2d", False, "conv"
    elif case == "conv1d_nobias":
        tl, gl = torch.nn.Conv1d(3, 4, 2, bias=False), nn.Conv1d(3, 4, 2, bias=False)
        x, bn, transpose, fuse = rng.standard_normal((2, 3, 6)), "BatchNorm1d", False, "conv"
    elif case == "convtranspose2d":
        tl, gl = torch.nn.ConvTranspose2d(3, 4, 2), nn.ConvTranspose2d(3, 4, 2)
        x, bn, transpose, fuse = rng.standard_normal((2, 3, 4, 4)), "BatchNorm2d", True, "conv"
    elif case == "linear":
        tl, gl, x = torch.nn.Linear(5, 4), nn.Linear(5, 4), rng.standard_normal((3, 5))
        bn, fuse = "BatchNorm1d", "linear"
    else:
        tl, gl, x = torch.nn.Linear(5, 4), nn.Linear(5, 4), rng.standard_normal((3, 5))
        bn, fuse = "BatchNorm1d", "linear"
    tl = tl.to(tdt).eval()
    gl = gl.to(gdt).eval()
    _copy_module(gl, tl, torch)
    nfeat = 1 if case == "linear_bn1" else 4
    gbn, tbn = _bn_pair(torch, bn, nfeat, tdt, rng)
    if fuse == "conv":
        tf = torch.nn.utils.fuse_conv_bn_eval(tl, tbn, transpose=transpose)
        gf = nn.utils.fuse_conv_bn_eval(gl, gbn, transpose=transpose)
    else:
        tf = torch.nn.utils.fuse_linear_bn_eval(tl, tbn)
        gf = nn.utils.fuse_linear_bn_eval(gl, gbn)
    assert type(gf) is type(gl) and gf is not gl
    assert gf.weight is not gl.weight          # a copy: the original layer is unchanged
    assert [n for n, _ in gf.named_parameters()] == [n for n, _ in tf.named_parameters()]
    for (n, gp), (_, tp) in zip(gf.named_parameters(), tf.named_parameters()):
        assert isinstance(gp, nn.Parameter) and gp.dtype == gdt, n
        assert gp.requires_grad == tp.requires_grad, n
        np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=tol,
                                   atol=tol, err_msg=n)
    gx = gg.tensor(x.astype(dtype))
    with gg.no_grad(), torch.no_grad():
        np.testing.assert_allclose(gf(gx).numpy(), tf(torch.tensor(x.astype(dtype))).numpy(),
                                   rtol=10 * tol, atol=10 * tol)
        if nfeat == 4:       # one feature broadcasts in the fused layer only, not in bn
            np.testing.assert_allclose(gf(gx).numpy(), gbn(gl(gx)).numpy(), rtol=10 * tol,
                                       atol=10 * tol)


def test_fuse_weights_with_missing_affine_terms_match_torch(torch):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3, 2, 2))
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(w), None, torch.tensor(rm),
                                                 torch.tensor(rv), 1e-5, None, None)
    gw, gb = nn.utils.fuse_conv_bn_weights(gg.tensor(w), None, gg.tensor(rm), gg.tensor(rv),
                                           1e-5, None, None)
    np.testing.assert_allclose(gw.detach().numpy(), tw.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(gb.detach().numpy(), tb.detach().numpy(), rtol=1e-14)
    assert (gw.requires_grad, gb.requires_grad) == (tw.requires_grad, tb.requires_grad)

    lw, lb = rng.standard_normal((4, 3)), rng.standard_normal(4)
    bw, bb = rng.standard_normal(4), rng.standard_normal(4)
    targs = [torch.tensor(a) for a in (lw, lb, rm, rv)] + [1e-3] + [torch.tensor(bw),
                                                                   torch.tensor(bb)]
    gargs = [gg.tensor(a) for a in (lw, lb, rm, rv)] + [1e-3] + [gg.tensor(bw), gg.tensor(bb)]
    for t, g in zip(torch.nn.utils.fuse_linear_bn_weights(*targs),
                    nn.utils.fuse_linear_bn_weights(*gargs)):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-14)
        assert g.requires_grad == t.requires_grad


def test_fusion_errors_match_torch(torch):
    cases = [
        (lambda lib: lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(2, 3, 1),
                                                    lib.nn.BatchNorm2d(3).eval())),
        (lambda lib: lib.nn.utils.fuse_conv_bn_eval(lib.nn.Conv2d(2, 3, 1).eval(),
                                                    lib.nn.BatchNorm2d(3))),
        (lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3).eval(),
                                                      lib.nn.BatchNorm1d(2).eval())),
        (lambda lib: lib.nn.utils.fuse_linear_bn_eval(
            lib.nn.Linear(2, 3).eval(),
            lib.nn.BatchNorm1d(3, track_running_stats=False).eval())),
    ]
    for make in cases:
        with pytest.raises(AssertionError) as theirs:
            make(torch)
        with pytest.raises(AssertionError) as ours:
            make(gg)
        assert str(ours.value) == str(theirs.value)


def test_skip_init_builds_the_module_without_initialising(torch):
    m = nn.utils.skip_init(nn.Linear, 5, 1)
    assert type(m) is nn.Linear and m.weight.shape == (1, 5) and m.bias.shape == (1,)
    assert "reset_parameters" not in m.__dict__
    m2 = nn.utils.skip_init(nn.Linear, in_features=6, out_features=2, dtype=gg.float64)
    assert m2.weight.dtype == gg.float64 and m2.weight.device.type == "cpu"
    # reset_parameters still works afterwards (the class's own method).
    m2.reset_parameters()
    assert float(m2.weight.detach().abs().max()) <= 1 / np.sqrt(6)


def test_skip_init_does_not_call_reset_parameters(monkeypatch):
    calls = []
    monkeypatch.setattr(nn.Linear, "reset_parameters", lambda self: calls.append(self))
    nn.utils.skip_init(nn.Linear, 3, 2)
    assert calls == []
    nn.Linear(3, 2)
    assert len(calls) == 1


def test_skip_init_errors_match_torch(torch):
    class NoDevice(torch.nn.Module):
        def __init__(self, n):
            super().__init__()

    class GNoDevice(nn.Module):
        def __init__(self, n):
            super().__init__()

    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.skip_init(NoDevice, 3)
    with pytest.raises(RuntimeError) as ours:
        nn.utils.skip_init(GNoDevice, 3)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match=r"^Expected a Module; got <class 'int'>$"):
        nn.utils.skip_init(int, 3)
    with pytest.raises(RuntimeError, match=r"^Expected a Module; got <class 'int'>$"):
        torch.nn.utils.skip_init(int, 3)


def test_clip_grad_norm_is_a_deprecated_alias(torch):
    a = gg.tensor([3.0, 4.0], requires_grad=True)
    a.grad = gg.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning) as ours:
        total = nn.utils.clip_grad_norm([a], 1.0)
    t = torch.tensor([3.0, 4.0], requires_grad=True)
    t.grad = torch.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning) as theirs:
        ttotal = torch.nn.utils.clip_grad_norm([t], 1.0)
    assert str(ours[0].message) == str(theirs[0].message).replace("torch.", "gpugrad.")
    assert float(total) == float(ttotal) == 5.0
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.utils.clip_grad_norm_([a], 1.0)      # the new name does not warn
