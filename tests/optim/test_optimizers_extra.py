"""NAdam, RAdam, Adamax, Adadelta, ASGD and Rprop against torch.optim (foreach=False):
parameters and state after each of 20 steps in float64 (tight) and float32, state dicts in
torch's layout (and loadable into torch), torch's argument checks, and failed steps."""
import numpy as np
import pytest

import gpugrad as gg

SHAPES = [(8, 5), (8,), (3, 8), (3,)]
STEPS = 20
NAMES = ["NAdam", "RAdam", "Adamax", "Adadelta", "ASGD", "Rprop"]

CONFIGS = [
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.0, weight_decay=0.05, maximize=True,
                   decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.6), eps=1e-6)),      # rho_t > 5 from step 6
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.7), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.7), weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.02, betas=(0.9, 0.5), maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, rho=1.0, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1))),
    ("Rprop", dict(lr=0.05, maximize=True)),
]


def _ids(cfg):
    name, kw = cfg
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _check_state(opt, topt, gparams, tparams, rtol, atol):
    for i, (g, t) in enumerate(zip(gparams, tparams)):
        ours, theirs = opt.state.get(g, {}), topt.state.get(t, {})
        assert sorted(ours) == sorted(theirs), f"param {i}: state keys"
        for key, tv in theirs.items():
            ov = ours[key]
            assert ov.shape == tuple(tv.shape), key
            assert ov.dtype.name == str(tv.dtype)[6:], key
            if key == "step":
                assert float(ov) == float(tv)
                assert ov.device.type == "cpu"
            else:
                np.testing.assert_allclose(ov.numpy(), tv.numpy(), rtol=rtol, atol=atol,
                                           err_msg=f"param {i}: state {key}")


def _run_against_torch(torch, name, kw, dtype, rtol, atol, steps=STEPS):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    gparams = [gg.tensor(a, requires_grad=True) for a in init]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(gg.optim, name)(gparams, **kw)
    topt = getattr(torch.optim, name)(tparams, foreach=False, **kw)
    storage = [p._data for p in gparams]
    for step in range(steps):
        for i, (g, t) in enumerate(zip(gparams, tparams)):
            # Gradients that depend on the parameters, as real ones do; one parameter skips
            # a step to exercise "no grad, no update".
            grad = (rng.standard_normal(g.shape) * 0.5 + 0.3 * t.detach().numpy()).astype(dtype)
            if i == 1 and step == 3:
                g.grad, t.grad = None, None
            else:
                g.grad, t.grad = gg.tensor(grad), torch.tensor(grad)
        opt.step()
        topt.step()
        for i, (g, t) in enumerate(zip(gparams, tparams)):
            np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"step {step}, param {i}")
        _check_state(opt, topt, gparams, tparams, rtol, atol)
    assert [p._data for p in gparams] == storage      # updated in place
    return opt, topt, gparams, tparams


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_float64_matches_torch_every_step(cfg, torch):
    _run_against_torch(torch, *cfg, np.float64, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_float32_tracks_torch(cfg, torch):
    opt, _, gparams, _ = _run_against_torch(torch, *cfg, np.float32, rtol=2e-5, atol=2e-6)
    assert all(p.dtype == gg.float32 for p in gparams)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_signature_match_torch(name, torch):
    import inspect
    ours = inspect.signature(getattr(gg.optim, name).__init__)
    theirs = inspect.signature(getattr(torch.optim, name).__init__)
    assert list(ours.parameters) == list(theirs.parameters)
    for p_ours, p_theirs in zip(ours.parameters.values(), theirs.parameters.values()):
        assert p_ours.kind == p_theirs.kind, p_ours.name
        assert p_ours.default == p_theirs.default, p_ours.name


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_layout_matches_torch_and_loads_into_torch(name, torch, tmp_path):
    rng = np.random.default_rng(5)
    init = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    g = [gg.tensor(a, requires_grad=True) for a in init]
    t = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(gg.optim, name)([{"params": g[:1]}, {"params": g[1:], "lr": 0.5}])
    topt = getattr(torch.optim, name)([{"params": t[:1]}, {"params": t[1:], "lr": 0.5}])
    for _ in range(3):
        grads = [rng.standard_normal(a.shape) for a in init]
        for p, a in zip(g, grads):
            p.grad = gg.tensor(a)
        for p, a in zip(t, grads):
            p.grad = torch.tensor(a)
        opt.step()
        topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1]
    for k in tsd["state"]:
        assert sorted(sd["state"][k]) == sorted(tsd["state"][k])
        for key, tv in tsd["state"][k].items():
            assert sd["state"][k][key].dtype.name == str(tv.dtype)[6:], key

    # Converted to torch tensors, our state dict loads into torch and continues as it does
    # loaded into gpugrad (loading casts 0-d state such as mu_product to the parameter's
    # dtype in both).
    gg.save(sd, tmp_path / "opt.safetensors")
    sd = gg.load(tmp_path / "opt.safetensors")
    converted = {"param_groups": sd["param_groups"],
                 "state": {k: {key: torch.tensor(v.numpy()) for key, v in st.items()}
                           for k, st in sd["state"].items()}}
    g2 = [p.detach().clone().requires_grad_(True) for p in g]
    opt2 = getattr(gg.optim, name)([{"params": g2[:1]}, {"params": g2[1:]}])
    opt2.load_state_dict(sd)
    t2 = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in g]
    topt2 = getattr(torch.optim, name)([{"params": t2[:1]}, {"params": t2[1:]}])
    topt2.load_state_dict(converted)
    for _ in range(3):
        grads = [rng.standard_normal(a.shape) for a in init]
        for p, a in zip(g2, grads):
            p.grad = gg.tensor(a)
        for p, a in zip(t2, grads):
            p.grad = torch.tensor(a)
        opt2.step()
        topt2.step()
    for p, q in zip(g2, t2):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)


def _train(opt, params, steps, rng):
    for _ in range(steps):
        for p in params:
            p.grad = gg.tensor(rng.standard_normal(p.shape).astype(p.detach().numpy().dtype))
        opt.step()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_round_trip_continues_identically(name, through_file, tmp_path):
    # float32 parameters: loading casts 0-d state (NAdam's mu_product, ASGD's eta and mu)
    # to the parameter's dtype, as torch does, which changes nothing only in float32.
    rng = np.random.default_rng(2)
    params = [gg.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in SHAPES]
    opt = getattr(gg.optim, name)(params, lr=0.03)
    _train(opt, params, 5, rng)
    sd = opt.state_dict()
    if through_file:
        gg.save(sd, tmp_path / "opt.safetensors")
        sd = gg.load(tmp_path / "opt.safetensors")
    copies = [p.detach().clone().requires_grad_(True) for p in params]
    opt2 = getattr(gg.optim, name)(copies, lr=123.0)   # hyperparameters come from the dict
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.03
    assert opt2.state[copies[0]]["step"].device.type == "cpu"
    _train(opt, params, 5, np.random.default_rng(3))
    _train(opt2, copies, 5, np.random.default_rng(3))
    for p, c in zip(params, copies):
        assert np.array_equal(p.detach().numpy(), c.detach().numpy())


BAD = [
    ("NAdam", dict(lr=-1.0)), ("NAdam", dict(eps=-1.0)), ("NAdam", dict(betas=(1.0, 0.9))),
    ("NAdam", dict(betas=(0.9, -0.1))), ("NAdam", dict(weight_decay=-0.5)),
    ("NAdam", dict(momentum_decay=-1e-3)),
    ("RAdam", dict(lr=-1.0)), ("RAdam", dict(eps=-1.0)), ("RAdam", dict(betas=(-0.1, 0.9))),
    ("RAdam", dict(betas=(0.9, 1.0))), ("RAdam", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1.0)), ("Adamax", dict(eps=-1.0)), ("Adamax", dict(betas=(1.5, 0.9))),
    ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(weight_decay=-1.0)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(rho=-0.1)),
    ("Adadelta", dict(eps=-1.0)), ("Adadelta", dict(weight_decay=-1.0)),
    ("ASGD", dict(lr=-1.0)), ("ASGD", dict(weight_decay=-1.0)),
    ("Rprop", dict(lr=-1.0)), ("Rprop", dict(etas=(1.0, 1.2))), ("Rprop", dict(etas=(0.5, 1.0))),
    ("Rprop", dict(etas=(0.0, 2.0))),
]


@pytest.mark.parametrize("name,kw", BAD, ids=lambda v: str(v))
def test_bad_hyperparameters_raise_torchs_message(name, kw, torch):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as ours:
        getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], **kw)
    assert str(ours.value) == str(theirs.value)


def test_invalid_learning_rate_message():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        gg.optim.NAdam([gg.zeros(2, requires_grad=True)], lr=-1.0)


@pytest.mark.parametrize("name", NAMES)
def test_failed_step_changes_nothing(name):
    rng = np.random.default_rng(1)
    params = [gg.tensor(rng.standard_normal(s), requires_grad=True) for s in SHAPES]
    opt = getattr(gg.optim, name)(params, lr=0.05)
    _train(opt, params, 2, rng)
    before = [p.detach().clone() for p in params]
    state_before = [{k: v.clone() for k, v in opt.state[p].items()} for p in params]
    for p in params:
        p.grad = gg.tensor(rng.standard_normal(p.shape))
    params[2]._grad = gg.ones(3, dtype=gg.float64)   # wrong shape, set around the setter's check
    with pytest.raises(RuntimeError, match=r"gradient has shape \[3\] but its parameter has "
                                           r"shape \[3, 8\]"):
        opt.step()
    for p, b, sb in zip(params, before, state_before):
        assert np.array_equal(p.detach().numpy(), b.numpy())
        for k, v in opt.state[p].items():
            assert np.array_equal(v.numpy(), sb[k].numpy())


@pytest.mark.parametrize("name", NAMES)
def test_wrong_dtype_gradient_raises_before_any_update(name):
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(2, requires_grad=True)
    opt = getattr(gg.optim, name)([a, b])
    a.grad = gg.ones(2)
    b._grad = gg.ones(2, dtype=gg.float64)
    with pytest.raises(RuntimeError, match="dtype"):
        opt.step()
    assert a.tolist() == [0.0, 0.0] and len(opt.state) == 0


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_is_refused(name):
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        getattr(gg.optim, name)([gg.zeros(2, requires_grad=True)], differentiable=True)


@pytest.mark.parametrize("name", NAMES)
def test_closure_loss_is_returned_and_repr_lists_defaults(name, torch):
    w = gg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(gg.optim, name)([w])

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 5.0
    topt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert repr(opt) == repr(topt)


@pytest.mark.parametrize("name", NAMES)
def test_steps_on_each_device_agree_with_cpu(name, device):
    rng = np.random.default_rng(7)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(4)]
    results = []
    for dev in ("cpu", device):
        params = [gg.tensor(a, device=dev, requires_grad=True) for a in init]
        opt = getattr(gg.optim, name)(params, lr=0.05)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = gg.tensor(g, device=dev)
            opt.step()
        assert all(p.device.type == dev.split(":")[0] for p in params)
        assert opt.state[params[0]]["step"].device.type == "cpu"
        results.append([p.detach().cpu().numpy() for p in params])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
