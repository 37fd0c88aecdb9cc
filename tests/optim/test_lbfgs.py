"""LBFGS against torch.optim.LBFGS: parameters, losses and state (PyTorch's keys and
values) after every step, with and without the strong-Wolfe line search, in float64 and
float32; torch's argument checks; a failed first evaluation changes nothing."""
import numpy as np
import pytest

import gpugrad as gg

STEPS = 20


def _problem(lib, params, x, y):
    # Smooth and strictly convex (least squares plus quartic terms), so that rounding
    # differences (torch's and numpy's BLAS sum in different orders) shrink rather than
    # grow over the iterations and both libraries follow the same path.
    w1, b1, w2 = params
    fit = ((x @ w1.T + b1 - y) ** 2).mean()
    return fit + 0.1 * (w1 ** 4).sum() + 0.05 * (b1 ** 4).sum() + ((w2 - 1) ** 2).sum() \
        + 0.2 * (w2 ** 4).sum()


def _setup(torch, dtype, kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 3)).astype(dtype)
    y = rng.standard_normal((12, 4)).astype(dtype)
    init = [(rng.standard_normal(s) * 0.5).astype(dtype) for s in [(4, 3), (4,), (1, 4)]]
    gparams = [gg.tensor(a, requires_grad=True) for a in init]
    tparams = [torch.tensor(a, requires_grad=True) for a in init]
    opt = gg.optim.LBFGS(gparams, **kw)
    topt = torch.optim.LBFGS(tparams, **kw)

    def gclosure():
        opt.zero_grad()
        loss = _problem(gg, gparams, gg.tensor(x), gg.tensor(y))
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = _problem(torch, tparams, torch.tensor(x), torch.tensor(y))
        loss.backward()
        return loss

    return opt, topt, gparams, tparams, gclosure, tclosure


def _as_np(v):
    if hasattr(v, "detach"):
        return np.asarray(v.detach().numpy())
    return np.asarray(v)


def _check_state(opt, topt, gparams, tparams, rtol, atol):
    # ro = 1 / y.s and H_diag = y.s / y.y: near convergence y.s is a sum of terms that
    # cancel, so BLAS's summation order (torch's and numpy's differ) shows at ~1e-9 there.
    ratio_rtol = max(rtol, 1e-6)
    ours, theirs = opt.state[gparams[0]], topt.state[tparams[0]]
    assert list(opt.state) == [gparams[0]] and list(topt.state) == [tparams[0]]
    assert sorted(ours) == sorted(theirs)
    for key, tv in theirs.items():
        ov = ours[key]
        if key in ("func_evals", "n_iter"):
            assert ov == tv, key
        elif isinstance(tv, list):
            assert len(ov) == len(tv), key
            for a, b in zip(ov, tv):
                assert (a is None) == (b is None), key
                if b is not None:
                    np.testing.assert_allclose(_as_np(a), _as_np(b), atol=atol, err_msg=key,
                                               rtol=ratio_rtol if key in ("ro", "al") else rtol)
        else:
            np.testing.assert_allclose(_as_np(ov), _as_np(tv), atol=atol, err_msg=key,
                                       rtol=ratio_rtol if key == "H_diag" else rtol)


CONFIGS = [
    dict(),
    dict(lr=0.5, max_iter=5),
    dict(lr=0.8, max_iter=4, max_eval=6, history_size=3),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", max_iter=3, history_size=2),
    dict(line_search_fn="strong_wolfe", lr=0.3, max_iter=7, max_eval=9),
    dict(max_iter=6, tolerance_change=1e-3, tolerance_grad=1e-3),
]


@pytest.mark.parametrize("kw", CONFIGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch_every_step(kw, dtype, torch):
    # In float32, y = g_new - g_old and y.s lose most of their digits near the optimum and
    # the two libraries' reductions round differently there, so the paths agree to ~1e-3.
    rtol, atol = (1e-9, 1e-11) if dtype == np.float64 else (1e-3, 1e-3)
    opt, topt, gparams, tparams, gclosure, tclosure = _setup(torch, dtype, kw)
    storage = [p._data for p in gparams]
    for step in range(STEPS):
        gl = opt.step(gclosure)
        tl = topt.step(tclosure)
        np.testing.assert_allclose(gl.item(), tl.item(), rtol=rtol, err_msg=f"step {step}")
        for g, t in zip(gparams, tparams):
            np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"step {step}")
        if dtype == np.float64:
            _check_state(opt, topt, gparams, tparams, rtol, atol)
    assert [p._data for p in gparams] == storage


def test_converges_on_a_quadratic():
    w = gg.tensor([3.0, -2.0], dtype=gg.float64, requires_grad=True)
    opt = gg.optim.LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 1.0], atol=1e-8)


def test_defaults_and_signature_match_torch(torch):
    import inspect
    ours = inspect.signature(gg.optim.LBFGS.__init__)
    theirs = inspect.signature(torch.optim.LBFGS.__init__)
    assert list(ours.parameters) == list(theirs.parameters)
    for a, b in zip(ours.parameters.values(), theirs.parameters.values()):
        assert a.default == b.default and a.kind == b.kind, a.name
    g = gg.optim.LBFGS([gg.zeros(2, requires_grad=True)])
    t = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)])
    assert g.param_groups[0].keys() == t.param_groups[0].keys()
    assert {k: v for k, v in g.defaults.items()} == t.defaults
    assert repr(g) == repr(t)


def test_errors_match_torch(torch):
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], lr=-1.0)
    with pytest.raises(ValueError) as ours:
        gg.optim.LBFGS([gg.zeros(2, requires_grad=True)], lr=-1.0)
    assert str(ours.value) == str(theirs.value) == "Invalid learning rate: -1.0"

    groups_t = [{"params": [torch.zeros(2, requires_grad=True)]},
                {"params": [torch.zeros(2, requires_grad=True)]}]
    groups_g = [{"params": [gg.zeros(2, requires_grad=True)]},
                {"params": [gg.zeros(2, requires_grad=True)]}]
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS(groups_t)
    with pytest.raises(ValueError) as ours:
        gg.optim.LBFGS(groups_g)
    assert str(ours.value) == str(theirs.value)

    # The closure is required, as in torch (a TypeError for the missing argument).
    with pytest.raises(TypeError):
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)]).step()
    with pytest.raises(TypeError):
        gg.optim.LBFGS([gg.zeros(2, requires_grad=True)]).step()


def test_unknown_line_search_raises_torchs_message_and_changes_nothing(torch):
    w = gg.tensor([3.0, -2.0], requires_grad=True)
    opt = gg.optim.LBFGS([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    tw = torch.tensor([3.0, -2.0], requires_grad=True)
    topt = torch.optim.LBFGS([tw], line_search_fn="backtracking")

    def tclosure():
        topt.zero_grad()
        loss = (tw * tw).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError) as theirs:
        topt.step(tclosure)
    with pytest.raises(RuntimeError) as ours:
        opt.step(closure)
    assert str(ours.value) == str(theirs.value)
    assert w.tolist() == [3.0, -2.0] and len(opt.state) == 0


def test_failed_step_changes_nothing():
    rng = np.random.default_rng(3)
    params = [gg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (3,)]]
    opt = gg.optim.LBFGS(params, max_iter=3)

    def closure():
        opt.zero_grad()
        loss = (params[0].sum(1) ** 2).sum() + (params[1] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    before = [p.detach().clone() for p in params]
    state = opt.state[params[0]]
    snapshot = {k: (v.clone() if hasattr(v, "clone") else
                    [x.clone() if hasattr(x, "clone") else x for x in v]
                    if isinstance(v, list) else v) for k, v in state.items()}

    def bad_closure():
        loss = closure()
        params[1]._grad = gg.ones(2, dtype=gg.float64)   # wrong shape, around the setter
        return loss

    with pytest.raises(RuntimeError, match=r"gradient has shape \[2\] but its parameter has "
                                           r"shape \[3\]"):
        opt.step(bad_closure)
    for p, b in zip(params, before):
        assert np.array_equal(p.detach().numpy(), b.numpy())
    assert sorted(opt.state[params[0]]) == sorted(snapshot)
    for k, v in snapshot.items():
        now = opt.state[params[0]][k]
        if isinstance(v, list):
            for a, b in zip(now, v):
                assert (a is None and b is None) or np.array_equal(_as_np(a), _as_np(b))
        else:
            assert np.array_equal(_as_np(now), _as_np(v)), k


@pytest.mark.parametrize("through_file", [False, True])
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_state_dict_keys_match_torch_and_round_trip(line_search_fn, through_file, torch,
                                                    tmp_path):
    kw = dict(max_iter=4, history_size=3, line_search_fn=line_search_fn)
    opt, topt, gparams, tparams, gclosure, tclosure = _setup(torch, np.float64, kw)
    for _ in range(3):
        opt.step(gclosure)
        topt.step(tclosure)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert list(sd["state"]) == list(tsd["state"]) == [0]
    assert sorted(sd["state"][0]) == sorted(tsd["state"][0])

    # A fresh optimizer loaded with the state continues exactly as the original.
    if through_file:
        gg.save(sd, tmp_path / "lbfgs.safetensors")
        sd = gg.load(tmp_path / "lbfgs.safetensors")
    copies = [p.detach().clone().requires_grad_(True) for p in gparams]
    opt2 = gg.optim.LBFGS(copies, lr=123.0)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 1

    def closure2():
        opt2.zero_grad()
        rng = np.random.default_rng(0)
        x = rng.standard_normal((12, 3))
        y = rng.standard_normal((12, 4))
        loss = _problem(gg, copies, gg.tensor(x), gg.tensor(y))
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(gclosure)
        opt2.step(closure2)
    for p, c in zip(gparams, copies):
        assert np.array_equal(p.detach().numpy(), c.detach().numpy())


def _to_torch(torch, value):
    if isinstance(value, gg.Tensor):
        return torch.tensor(value.numpy())
    if isinstance(value, list):
        return [_to_torch(torch, v) for v in value]
    return value


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_state_dict_loads_into_torch_and_continues_alike(line_search_fn, torch, tmp_path):
    kw = dict(max_iter=3, history_size=4, line_search_fn=line_search_fn)
    opt, topt, gparams, tparams, gclosure, tclosure = _setup(torch, np.float64, kw)
    for _ in range(2):
        opt.step(gclosure)
    gg.save(opt.state_dict(), tmp_path / "lbfgs.safetensors")
    sd = gg.load(tmp_path / "lbfgs.safetensors")
    converted = {"param_groups": sd["param_groups"],
                 "state": {k: {key: _to_torch(torch, v) for key, v in st.items()}
                           for k, st in sd["state"].items()}}
    with torch.no_grad():
        for g, t in zip(gparams, tparams):
            t.copy_(torch.tensor(g.detach().numpy()))
    topt.load_state_dict(converted)
    for _ in range(3):
        opt.step(gclosure)
        topt.step(tclosure)
        for g, t in zip(gparams, tparams):
            np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-9,
                                       atol=1e-11)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_runs_on_each_device_as_on_cpu(line_search_fn, device):
    results = []
    for dev in ("cpu", device):
        w = gg.tensor([3.0, -2.0, 0.5], dtype=gg.float64, device=dev, requires_grad=True)
        opt = gg.optim.LBFGS([w], max_iter=5, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = ((w - 1) ** 4).sum() + (w ** 2).sum()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        assert w.device.type == dev.split(":")[0]
        results.append(w.detach().cpu().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)
