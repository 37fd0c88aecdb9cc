"""Every optimizer against torch.optim (foreach=False) in float64: parameters and state after
each of 20 steps, including the first step's buffer initialisation and the step counts."""
import numpy as np
import pytest

import gpugrad as gg

SHAPES = [(8, 5), (8,), (3, 8), (3,)]
STEPS = 20

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.5), amsgrad=True, weight_decay=0.05)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, betas=(0.9, 0.95))),
    ("AdamW", dict(lr=0.01, maximize=True, eps=1e-4)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, maximize=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-6, maximize=True)),
]


def _ids(cfg):
    name, kw = cfg
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=what)


def _check_state(opt, topt, gparams, tparams):
    for i, (g, t) in enumerate(zip(gparams, tparams)):
        ours, theirs = opt.state.get(g, {}), topt.state.get(t, {})
        assert sorted(ours) == sorted(theirs), f"param {i}: state keys"
        for key, tv in theirs.items():
            ov = ours[key]
            if key == "step":
                assert float(ov) == float(tv)
                assert ov.shape == () and ov.device.type == "cpu"
            else:
                _assert_close(ov.numpy(), tv.numpy(), f"param {i}: state {key}")


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_matches_torch_over_20_steps(cfg, torch):
    name, kw = cfg
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s) for s in SHAPES]
    gparams = [gg.tensor(a, requires_grad=True) for a in init]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(gg.optim, name)(gparams, **kw)
    topt = getattr(torch.optim, name)(tparams, foreach=False, **kw)
    storage = [(p._data, p.data_ptr()) for p in gparams]
    for step in range(STEPS):
        for i, (g, t) in enumerate(zip(gparams, tparams)):
            # Gradients that depend on the parameters, as real ones do; one parameter skips a
            # step to exercise "no grad, no update".
            grad = rng.standard_normal(g.shape) * 0.5 + 0.3 * t.detach().numpy()
            if i == 1 and step == 3:
                g.grad, t.grad = None, None
            else:
                g.grad, t.grad = gg.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
        for i, (g, t) in enumerate(zip(gparams, tparams)):
            _assert_close(g.detach().numpy(), t.detach().numpy(), f"step {step}, param {i}")
        _check_state(opt, topt, gparams, tparams)
    # Updated in place: the same tensors on the same storage.
    assert [(p._data, p.data_ptr()) for p in gparams] == storage


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_state_dict_layout_matches_torch(name, torch):
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    g = [gg.zeros(2, 3, dtype=gg.float64, requires_grad=True), gg.zeros(3, requires_grad=True)]
    t = [torch.zeros(2, 3, dtype=torch.float64, requires_grad=True),
         torch.zeros(3, requires_grad=True)]
    opt = getattr(gg.optim, name)([{"params": g[:1]}, {"params": g[1:], "lr": 0.5}], **kw)
    topt = getattr(torch.optim, name)([{"params": t[:1]}, {"params": t[1:], "lr": 0.5}], **kw)
    for p in g:
        p.grad = gg.ones_like(p)
    for p in t:
        p.grad = torch.ones_like(p)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [sorted(x) for x in sd["param_groups"]] == [sorted(x) for x in tsd["param_groups"]]
    for ours, theirs in zip(sd["param_groups"], tsd["param_groups"]):
        assert ours == theirs
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1]
    for k in tsd["state"]:
        assert sorted(sd["state"][k]) == sorted(tsd["state"][k])
        if "step" in tsd["state"][k]:
            assert sd["state"][k]["step"].dtype.name == str(tsd["state"][k]["step"].dtype)[6:]


def _mlp(lib, x, params):
    w1, b1, w2, b2 = params
    h = lib.tanh(x @ w1.T + b1)
    return ((h @ w2.T + b2) ** 2).mean()


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                     ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("AdamW", dict(lr=0.01)),
                                     ("RMSprop", dict(lr=0.01, centered=True)),
                                     ("Adagrad", dict(lr=0.05))])
def test_training_a_small_model_matches_torch(name, kw, torch):
    """Gradients from each library's own autograd, 20 steps of training."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 5))
    init = [rng.standard_normal(s) * 0.5 for s in SHAPES]
    gparams = [gg.tensor(a, requires_grad=True) for a in init]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(gg.optim, name)(gparams, **kw)
    topt = getattr(torch.optim, name)(tparams, foreach=False, **kw)
    gx, tx = gg.tensor(x), torch.tensor(x)
    for _ in range(STEPS):
        opt.zero_grad()
        topt.zero_grad()
        gl = opt.step(lambda: _backward(_mlp(gg, gx, gparams)))
        tl = topt.step(lambda: _backward(_mlp(torch, tx, tparams)))
        np.testing.assert_allclose(gl.item(), tl.item(), rtol=1e-12)
    for g, t in zip(gparams, tparams):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-11,
                                   atol=1e-12)


def _backward(loss):
    loss.backward()
    return loss


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_float32_tracks_torch(name, torch):
    """In float32 the hyperparameter arithmetic is done in double, as PyTorch does."""
    kw = dict(lr=0.01, weight_decay=0.01)
    if name == "SGD":
        kw["momentum"] = 0.9
    rng = np.random.default_rng(2)
    a = rng.standard_normal((64,)).astype(np.float32)
    g, t = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    opt = getattr(gg.optim, name)([g], **kw)
    topt = getattr(torch.optim, name)([t], foreach=False, **kw)
    for _ in range(STEPS):
        grad = rng.standard_normal(64).astype(np.float32)
        g.grad, t.grad = gg.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
    assert g.dtype == gg.float32
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=2e-5, atol=2e-6)
