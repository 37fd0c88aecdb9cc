"""Module full backward hooks and backward pre-hooks, compared with PyTorch."""
import warnings

import numpy as np

import gpugrad as gg
from gpugrad import nn


def _t(m, shape, seed, grad=True, dtype="float32"):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return m.tensor(data, requires_grad=grad)


def _net(m):
    m.manual_seed(0)
    net = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 2))
    with m.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(_t(m, tuple(p.shape), 10 + i))
    return net


def test_hooks_see_gradients_and_replace_them(torch):
    """A pre-hook replaces grad_output, a hook replaces grad_input; a hook on the outer
    module sees the input and output gradients of the whole network."""
    from torch_compare import same

    def run(m):
        net, log = _net(m), []
        net[0].register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 3,))
        net[2].register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 2,))
        net.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
        x = _t(m, (2, 3), 0)
        net(x).sum().backward()
        return x.grad, net[0].weight.grad, net[2].weight.grad, log
    same(run, torch)


def test_order_removal_and_repeated_calls(torch):
    """Pre-hooks before hooks, prepend first, one firing per call, removed hooks silent."""
    from torch_compare import same

    def run(m):
        net, log = _net(m), []
        h = net[0].register_full_backward_hook(lambda mod, gin, gout: log.append(gout[0].shape))
        net[0].register_full_backward_pre_hook(lambda mod, gout: log.append("pre"))
        net[0].register_full_backward_hook(lambda mod, gin, gout: log.append("first"),
                                           prepend=True)
        x = _t(m, (2, 3), 0)
        (net(x).sum() + net(x[:1]).sum()).backward()
        h.remove()
        net(x).sum().backward()
        return log
    same(run, torch)


def test_inputs_without_grad_and_tuple_outputs(torch):
    """An input needing no gradient gives zeros beside one that does, None where none does
    (the hook then fires from the outputs, with a warning); tuple outputs have one slot each."""
    from torch_compare import same

    def run(m):
        log = []
        bil = m.nn.Bilinear(2, 3, 4)
        bil.register_full_backward_hook(lambda mod, gin, gout: log.append(
            (gin[0].shape, gin[1], gout[0].shape)))
        bil(_t(m, (5, 2), 0), _t(m, (5, 3), 1, grad=False)).sum().backward()
        mha = m.nn.MultiheadAttention(4, 2)
        mha.register_full_backward_hook(
            lambda mod, gin, gout: log.append(([g is None for g in gin],
                                               [g is None for g in gout])))
        q = _t(m, (3, 1, 4), 2)
        mha(q, q, q)[0].sum().backward()
        lin = _net(m)
        lin.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lin(_t(m, (2, 3), 3, grad=False)).sum().backward()
        return log, len(w)
    same(run, torch, rtol=1e-4, atol=1e-5)


def test_wrong_number_of_gradients_raises(torch):
    from torch_compare import same

    def run(m, pre):
        net = _net(m)
        if pre:
            net[0].register_full_backward_pre_hook(lambda mod, gout: (gout[0], gout[0]))
        else:
            net[0].register_full_backward_hook(lambda mod, gin, gout: (gin[0], gin[0]))
        net(_t(m, (2, 3), 0)).sum().backward()
    same(lambda m: run(m, True), torch)
    same(lambda m: run(m, False), torch)


def test_no_hook_work_without_grad():
    """Under no_grad nothing is wrapped and no hook fires; gradients pass unchanged."""
    net, log = nn.Linear(3, 2).double(), []
    net.register_full_backward_hook(lambda mod, gin, gout: log.append(1))
    with gg.no_grad():
        y = net(gg.ones(2, 3, dtype=gg.float64, requires_grad=True))
    assert y.grad_fn is None and log == []
    x = gg.ones(2, 3, dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradcheck(lambda inp: net(inp), (x,))


def test_pickled_module_without_backward_hook_dicts_still_runs():
    net = nn.Linear(2, 2)
    state = dict(net.__dict__)
    del state["_backward_hooks"], state["_backward_pre_hooks"]
    fresh = nn.Linear.__new__(nn.Linear)
    fresh.__setstate__(state)
    assert fresh(gg.ones(1, 2)).shape == (1, 2)
