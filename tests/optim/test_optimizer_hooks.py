"""Optimizer hooks against torch.optim: step pre/post hooks (per optimizer and global),
state_dict and load_state_dict hooks, on built-in and user-written optimizers."""
import importlib

import pytest

import gpugrad as gg


def _module(lib):
    return importlib.import_module(lib.__name__ + ".optim.optimizer")


def _step_hooks(lib):
    p = lib.tensor([1.0], requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    calls = []
    g1 = _module(lib).register_optimizer_step_pre_hook(
        lambda o, args, kwargs: calls.append(("global pre", type(o).__name__, len(args))))
    g2 = _module(lib).register_optimizer_step_post_hook(
        lambda o, args, kwargs: calls.append("global post"))
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", args[0] is o)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def new_closure(o, args, kwargs):
        calls.append("replace the arguments")
        return (args[0],), {"closure": lambda: calls.append("closure") or 3.0}

    handle = opt.register_step_pre_hook(new_closure)
    p.grad = lib.ones(1)
    try:
        first = opt.step()
    finally:
        g1.remove()
        g2.remove()
    handle.remove()
    second = opt.step(closure=lambda: 5.0)
    return calls, first, second, p.tolist()


def test_step_hooks_run_as_torchs(torch):
    assert _step_hooks(gg) == _step_hooks(torch)


def _state_dict_hooks(lib):
    p = lib.tensor([1.0], requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    calls = []
    opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: calls.append("post"))

    def add_entry(o, sd):
        calls.append("first post")
        return dict(sd, extra=1)

    opt.register_state_dict_post_hook(add_entry, prepend=True)
    sd = opt.state_dict()

    def drop_entry(o, sd):
        calls.append(("load pre", "extra" in sd))
        sd.pop("extra")

    opt.register_load_state_dict_pre_hook(drop_entry)
    opt.register_load_state_dict_post_hook(lambda o: calls.append("load post"))
    opt.load_state_dict(sd)
    return calls, sorted(sd)


def test_state_dict_hooks_run_as_torchs(torch):
    assert _state_dict_hooks(gg) == _state_dict_hooks(torch)


def test_user_optimizers_run_step_hooks_once():
    class Plain(gg.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self, closure=None):
            return 7

    class MySGD(gg.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    calls = []
    plain = Plain([gg.ones(1, requires_grad=True)])
    plain.register_step_pre_hook(lambda *a: calls.append("plain"))
    assert plain.step() == 7
    p = gg.ones(1, requires_grad=True)
    sgd = MySGD([p], lr=0.5)
    sgd.register_step_post_hook(lambda *a: calls.append("mine"))
    p.grad = gg.ones(1)
    sgd.step()
    assert calls == ["plain", "mine"] and p.tolist() == [0.5]


def test_bad_pre_hook_result_raises_before_the_update():
    p = gg.tensor([1.0], requires_grad=True)
    opt = gg.optim.SGD([p], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: 5)
    p.grad = gg.ones(1)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, "
                                           r"new_kwargs\), but got 5"):
        opt.step()
    assert p.tolist() == [1.0]
