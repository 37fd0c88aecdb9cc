"""Optimizer machinery: param groups, zero_grad, step semantics, state dicts and errors."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import optim

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
KW = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.1, amsgrad=True),
      "AdamW": dict(lr=0.1), "RMSprop": dict(lr=0.1, momentum=0.5, centered=True),
      "Adagrad": dict(lr=0.1, lr_decay=0.1)}


def _params(seed=0, device="cpu"):
    rng = np.random.default_rng(seed)
    return [gg.tensor(rng.standard_normal(s), device=device, requires_grad=True)
            for s in [(4, 3), (4,), (2, 4)]]


def _set_grads(params, rng):
    for p in params:
        p.grad = gg.tensor(rng.standard_normal(p.shape), device=p.device)


def _train(opt, params, steps, rng):
    for _ in range(steps):
        _set_grads(params, rng)
        opt.step()


# ------------------------------------------------------------------ hyperparameters
@pytest.mark.parametrize("name,kw,message", [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero "
                                         "dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum"),
    ("Adam", dict(lr=-0.5), "Invalid learning rate: -0.5"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("AdamW", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
    ("RMSprop", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
])
def test_bad_hyperparameters_raise_torchs_message(name, kw, message, torch):
    with pytest.raises(ValueError, match=message) as ours:
        getattr(optim, name)([gg.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1)), ("Adam", {}), ("AdamW", {}),
                                     ("Adagrad", {})])
def test_fused_and_foreach_together_raise_as_torch(name, kw, torch):
    with pytest.raises(RuntimeError) as ours:
        getattr(optim, name)([gg.zeros(2, requires_grad=True)], fused=True, foreach=True, **kw)
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], fused=True,
                                   foreach=True, **kw)
    assert str(ours.value) == str(theirs.value)


def test_bad_params():
    w = gg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)


def test_a_set_of_parameters_is_taken_as_pytorch_takes_it():
    # A set as the whole params argument is iterated; only a set inside a group's dict is
    # refused (above).
    w = gg.zeros(2, requires_grad=True)
    opt = optim.SGD({w}, lr=0.1)
    assert opt.param_groups[0]["params"] == [w]


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}), ("AdamW", {"amsgrad": True}), ("RMSprop", {"momentum": 0.5}),
    ("Adagrad", {})])
def test_duplicate_parameters_warn_and_step_twice_as_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    w = gg.ones(2, requires_grad=True)
    tw = torch.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters; in future, this will cause"):
        opt = getattr(optim, name)([w, w], lr=0.1, **kwargs)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        topt = getattr(torch.optim, name)([tw, tw], lr=0.1, **kwargs)
    for step in range(3):
        w.grad = gg.full((2,), 1.0 + step)
        tw.grad = torch.full((2,), 1.0 + step)
        opt.step()
        topt.step()
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)


# ------------------------------------------------------------------ groups
def test_param_groups_take_defaults_and_overrides():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"][0] is b


def test_add_param_group_rejects_a_parameter_already_present():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                         "group"):
        opt.add_param_group({"params": [b, a]})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_added_group_is_the_dict_given_as_in_torch(torch):
    def run(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        first, second = {"params": [a]}, {"params": b, "lr": 0.5}
        opt = lib.optim.SGD([first], lr=0.1, momentum=0.9)
        opt.add_param_group(second)
        second["lr"] = 0.25         # a later change to the dict reaches the group
        return (opt.param_groups[0] is first, opt.param_groups[1] is second,
                opt.param_groups[1]["lr"], list(second), len(second["params"]))

    assert run(gg) == run(torch)


def test_failed_add_param_group_leaves_the_dict_alone():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    group = {"params": [b, a]}
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group(group)
    assert list(group) == ["params"] and len(opt.param_groups) == 1


def test_tensor_as_params_names_its_type_as_torch(torch):
    with pytest.raises(TypeError) as ours:
        optim.SGD(gg.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError) as theirs:
        torch.optim.SGD(torch.zeros(2, requires_grad=True), lr=0.1)
    assert str(ours.value) == str(theirs.value).replace("torch.", "gpugrad.")


def test_required_hyperparameter():
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Plain([gg.zeros(1, requires_grad=True)])


def test_named_parameters():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.SGD([("a", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]


def test_adagrad_initialises_state_for_added_groups():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    opt = optim.Adagrad([a], lr=0.1, initial_accumulator_value=0.5)
    opt.add_param_group({"params": [b]})
    assert opt.state[b]["sum"].tolist() == [0.5] * 3 and float(opt.state[b]["step"]) == 0
    b.grad = gg.ones(3)
    opt.step()
    assert float(opt.state[b]["step"]) == 1


# ------------------------------------------------------------------ zero_grad / step
def test_zero_grad_to_none_and_to_zeros():
    w = gg.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("name", ALL)
def test_step_updates_in_place_under_no_grad(name, device):
    params = _params(device=device)
    storage = [p._data for p in params]
    versions = [p._version[0] for p in params]
    opt = getattr(optim, name)(params, **KW[name])
    _train(opt, params, 2, np.random.default_rng(0))
    for p, s, v in zip(params, storage, versions):
        assert p._data is s and p.is_leaf and p.requires_grad and p.grad_fn is None
        assert p._version[0] == v + 2
        for value in opt.state[p].values():
            assert not value.requires_grad


def test_step_invalidates_graphs_that_saved_a_parameter():
    w = gg.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = gg.ones(3)
    y = (w * w).sum()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_closure_runs_with_grad_enabled_and_returns_loss():
    w = gg.ones(3, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 3.0 and w.grad is not None
    assert np.allclose(w.detach().numpy(), 0.9)


def test_params_without_grad_are_skipped():
    a, b = gg.ones(2, requires_grad=True), gg.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = gg.ones(2)
    opt.step()
    assert b.tolist() == [1.0, 1.0] and b not in opt.state
    assert float(opt.state[a]["step"]) == 1


@pytest.mark.parametrize("name", ALL)
def test_failed_step_changes_nothing(name):
    params = _params()
    opt = getattr(optim, name)(params, **KW[name])
    rng = np.random.default_rng(1)
    _train(opt, params, 2, rng)
    before = [p.detach().clone() for p in params]
    state_before = {k: v.clone() for k, v in opt.state[params[0]].items()}
    _set_grads(params, rng)
    params[2]._grad = gg.ones(3)            # wrong shape, set around the grad setter's check
    with pytest.raises(RuntimeError, match=r"gradient has shape \[3\] but its parameter has "
                                           r"shape \[2, 4\]"):
        opt.step()
    for p, b in zip(params, before):
        assert np.array_equal(p.detach().numpy(), b.numpy())
    for k, v in opt.state[params[0]].items():
        assert np.array_equal(v.numpy(), state_before[k].numpy())


def test_wrong_dtype_gradient_raises_before_any_update():
    a, b = gg.zeros(2, requires_grad=True), gg.zeros(2, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad = gg.ones(2)
    b._grad = gg.ones(2, dtype=gg.float64)
    with pytest.raises(RuntimeError, match="dtype"):
        opt.step()
    assert a.tolist() == [0.0, 0.0] and len(opt.state) == 0


# ------------------------------------------------------------------ state dicts
@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_round_trip_continues_identically(name, through_file, tmp_path):
    params = _params()
    opt = getattr(optim, name)(params, **KW[name])
    _train(opt, params, 5, np.random.default_rng(2))
    sd = opt.state_dict()
    if through_file:
        gg.save(sd, tmp_path / "opt.safetensors")
        sd = gg.load(tmp_path / "opt.safetensors")
    copies = [p.detach().clone().requires_grad_(True) for p in params]
    opt2 = getattr(optim, name)(copies, lr=123.0)      # hyperparameters come from the dict
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == KW[name]["lr"]
    assert opt2.param_groups[0]["params"][0] is copies[0]
    _train(opt, params, 5, np.random.default_rng(3))
    _train(opt2, copies, 5, np.random.default_rng(3))
    for p, c in zip(params, copies):
        assert np.array_equal(p.detach().numpy(), c.detach().numpy())


def test_loaded_state_is_copied_not_shared():
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    _train(opt, params, 1, np.random.default_rng(0))
    copies = [p.detach().clone().requires_grad_(True) for p in params]
    opt2 = optim.Adam(copies, lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[copies[0]]["exp_avg"]._data is not opt.state[params[0]]["exp_avg"]._data


def test_load_casts_state_to_the_parameter_dtype():
    a = gg.zeros(3, dtype=gg.float32, requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    sd = {"state": {0: {"momentum_buffer": gg.ones(3, dtype=gg.float64)}},
          "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(sd)
    assert opt.state[a]["momentum_buffer"].dtype == gg.float32


def test_load_state_dict_validation_is_all_or_nothing():
    params = _params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    _train(opt, params, 1, np.random.default_rng(0))
    good = opt.state_dict()
    other = optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of "
                                         "parameter groups"):
        other.load_state_dict(good)
    fewer = optim.SGD(params[:2], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        fewer.load_state_dict(good)
    # A state tensor of the wrong shape, after a good one: nothing is loaded.
    fresh = optim.SGD([p.detach().clone().requires_grad_(True) for p in params], lr=0.7,
                      momentum=0.1)
    bad = {"state": {0: {"momentum_buffer": gg.ones(4, 3)},
                     2: {"momentum_buffer": gg.ones(3)}},
           "param_groups": good["param_groups"]}
    with pytest.raises(ValueError, match=r"state 'momentum_buffer' of shape \[3\] for "
                                         r"parameter 2, whose shape is \[2, 4\]"):
        fresh.load_state_dict(bad)
    assert len(fresh.state) == 0 and fresh.param_groups[0]["lr"] == 0.7
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        fresh.load_state_dict({"state": {}})


def test_state_dict_numbers_params_across_groups():
    a, b, c = (gg.zeros(1, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1)
    assert [g["params"] for g in opt.state_dict()["param_groups"]] == [[0, 1], [2]]


def test_repr_lists_groups():
    opt = optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_repr_matches_torch(torch):
    def text(lib):
        groups = [{"params": [lib.zeros(1, requires_grad=True)]},
                  {"params": [lib.zeros(2, requires_grad=True)], "lr": 1.0}]
        return repr(lib.optim.SGD(groups, lr=0.1, momentum=0.9))

    assert text(gg) == text(torch)
