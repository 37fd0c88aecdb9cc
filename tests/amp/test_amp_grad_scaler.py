"""GradScaler against torch.amp.GradScaler: a training loop under autocast with the same
infs injected (same scales, same skipped steps, same parameters), unscale_/step/update
order errors, state_dict, disabled scalers and the warning without CUDA."""
import pickle
import warnings

import numpy as np
import pytest

import gpugrad as gg

rng = np.random.default_rng(2)
W1 = rng.standard_normal((6, 4)).astype(np.float32) * 0.5
B1 = rng.standard_normal(6).astype(np.float32) * 0.1
W2 = rng.standard_normal((3, 6)).astype(np.float32) * 0.5
X = rng.standard_normal((8, 4)).astype(np.float32)
T = rng.integers(0, 3, 8)


def _model(lib):
    m = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.ReLU(), lib.nn.Linear(6, 3, bias=False))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W1))
        m[0].bias.copy_(lib.tensor(B1))
        m[2].weight.copy_(lib.tensor(W2))
    return m


def _train(lib, steps=12, inject=(1, 4, 5, 9), unscale=False):
    model = _model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 12, growth_interval=3)
    x, t = lib.tensor(X), lib.tensor(T)
    scales, skipped = [], []
    for i in range(steps):
        opt.zero_grad()
        with lib.autocast("cpu", dtype=lib.float16):
            out = model(x)
            loss = lib.nn.functional.cross_entropy(out, t)
        scaler.scale(loss).backward()
        if i in inject:
            with lib.no_grad():
                model[0].weight.grad[0, 0] = float("inf") if i % 2 else float("nan")
        before = [p.detach().clone() for p in model.parameters()]
        if unscale:
            scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        skipped.append(all(bool((p.detach() == b).all()) for p, b in
                           zip(model.parameters(), before)))
        scales.append(scaler.get_scale())
    params = [p.detach().numpy().copy() for p in model.parameters()]
    return scales, skipped, params, scaler.state_dict()


@pytest.mark.parametrize("unscale", [False, True])
def test_training_loop_matches_torch(torch, unscale):
    g = _train(gg, unscale=unscale)
    t = _train(torch, unscale=unscale)
    assert g[0] == t[0]                      # scale trajectory
    assert g[1] == t[1]                      # skipped steps
    assert [i for i, s in enumerate(g[1]) if s] == [1, 4, 5, 9]
    for a, b in zip(g[2], t[2]):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)
    assert g[3] == t[3]


def test_state_dict_and_load_as_torch(torch):
    s, ts = gg.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    assert s.state_dict() == ts.state_dict()
    state = {"scale": 128.0, "growth_factor": 3.0, "backoff_factor": 0.25,
             "growth_interval": 7, "_growth_tracker": 2}
    s.load_state_dict(state)
    ts.load_state_dict(state)
    assert s.state_dict() == ts.state_dict() == state
    s.scale(gg.tensor(1.0))
    s.load_state_dict(dict(state, scale=64.0))
    assert s.get_scale() == 64.0
    with pytest.raises(RuntimeError) as t_err:
        ts.load_state_dict({})
    with pytest.raises(RuntimeError) as g_err:
        s.load_state_dict({})
    assert str(g_err.value) == str(t_err.value)
    s2 = pickle.loads(pickle.dumps(s))
    assert s2.get_scale() == 64.0 and s2.state_dict() == s.state_dict()


def test_scale_nested_outputs():
    s = gg.amp.GradScaler("cpu", init_scale=8.0)
    out = s.scale([gg.tensor(1.0), (gg.tensor(2.0), [gg.tensor(3.0)])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    assert [out[0].item(), out[1][0].item(), out[1][1][0].item()] == [8.0, 16.0, 24.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        s.scale([1.0])
    h = s.scale(gg.ones(2, dtype=gg.float16))
    assert h.dtype is gg.float16


def _one_step(lib, scaler, factor=1.0):
    model = _model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler.scale(model(lib.tensor(X)).sum() * factor).backward()
    return model, opt


def _errors(lib, torch_like):
    out = []
    scaler = lib.amp.GradScaler("cpu")
    model = _model(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    for call in (lambda: scaler.unscale_(opt), lambda: scaler.step(opt),
                 lambda: scaler.update()):
        with pytest.raises(AssertionError) as err:
            call()
        out.append(str(err.value))
    _, opt = _one_step(lib, scaler)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError) as err:
        scaler.unscale_(opt)
    out.append(str(err.value))
    scaler.step(opt)
    for call in (lambda: scaler.step(opt), lambda: scaler.unscale_(opt)):
        with pytest.raises(RuntimeError) as err:
            call()
        out.append(str(err.value))
    with pytest.raises(RuntimeError) as err:
        scaler.step(opt, closure=lambda: None)
    out.append(str(err.value))
    scaler.update()
    with pytest.raises(AssertionError) as err:
        scaler.update()
    out.append(str(err.value))
    half = lib.nn.Linear(2, 2).half()
    hopt = lib.optim.SGD(half.parameters(), lr=0.1)
    scaler.scale(half(lib.ones(1, 2, dtype=lib.float16)).float().sum()).backward()
    with pytest.raises(ValueError) as err:
        scaler.unscale_(hopt)
    out.append(str(err.value))
    for kw in ({"growth_factor": 1.0}, {"backoff_factor": 1.0}):
        with pytest.raises(AssertionError) as err:
            lib.amp.GradScaler("cpu", **kw)
        out.append(str(err.value))
    return out


def test_errors_as_torch(torch):
    assert _errors(gg, False) == _errors(torch, True)


def test_update_new_scale(torch):
    for lib in (gg, torch):
        s = lib.amp.GradScaler("cpu")
        _, opt = _one_step(lib, s)
        s.step(opt)
        s.update(new_scale=4.0)
        assert s.get_scale() == 4.0
        _, opt = _one_step(lib, s)
        s.step(opt)
        s.update(new_scale=lib.tensor(2.0))
        assert s.get_scale() == 2.0
        with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
            s.update(new_scale=lib.ones(2))


def test_growth_does_not_overflow_float32(torch):
    scales = []
    for lib in (gg, torch):
        s = lib.amp.GradScaler("cpu", init_scale=2.0 ** 127, growth_interval=1)
        _, opt = _one_step(lib, s, factor=0.0)       # finite (zero) gradients
        s.step(opt)
        s.update()
        scales.append((s.get_scale(), s._get_growth_tracker()))
    assert scales[0] == scales[1] == (2.0 ** 127, 0)


def test_disabled_scaler_is_a_pass_through():
    s = gg.amp.GradScaler("cpu", enabled=False)
    model, opt = _one_step(gg, s)
    before = model[0].weight.detach().clone()
    x = gg.tensor(1.0)
    assert s.scale(x) is x
    assert s.step(opt) is None
    assert not bool((model[0].weight == before).all())
    s.update()
    s.unscale_(opt)
    assert s.get_scale() == 1.0 and not s.is_enabled() and s.state_dict() == {}


def test_cuda_without_gpu_warns_and_disables(torch, monkeypatch):
    monkeypatch.setattr(gg.cuda, "is_available", lambda: False)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        s = gg.amp.GradScaler()
    assert [str(w.message) for w in rec] == [
        "gpugrad.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling."]
    assert not s.is_enabled()
    if not torch.cuda.is_available():
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            torch.amp.GradScaler()
        assert str(rec[0].message).replace("torch.", "gpugrad.") == \
            "gpugrad.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling."
