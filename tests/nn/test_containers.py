"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck


def _mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_sequential_forward_and_gradcheck():
    m = _mlp().double()
    x = gg.randn(5, 3, dtype=gg.float64, requires_grad=True)
    manual = m[2](m[1](m[0](x)))
    np.testing.assert_allclose(m(x).detach().numpy(), manual.detach().numpy())
    assert gradcheck(m, (x,))
    assert gradcheck(lambda inp, w: m[1](inp @ w.t()), (x, m[0].weight))


def test_sequential_indexing_and_editing():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    tail = s[1:]
    assert type(tail) is nn.Sequential and list(tail) == [b, c]
    assert list(tail._modules) == ["1", "2"]              # slices keep their names
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    d = nn.GELU()
    s[1] = d
    assert s[1] is d
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[0] is d    # renumbered
    assert s.append(a) is s and s[-1] is a
    s.insert(0, b)
    assert list(s) == [b, d, c, a]
    assert s.pop(1) is d and len(s) == 3
    s.extend([nn.Identity()])
    assert len(s) == 4
    both = s + nn.Sequential(nn.ReLU())
    assert len(both) == 5
    assert len(nn.Sequential(nn.ReLU()) * 3) == 3
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        s + [1]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named._modules) == ["fc", "act"] and named.fc is named[0]
    assert "0" not in dir(s)


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "Linear", "Linear",
                                                  "ReLU", "Tanh"]
    assert type(layers[1:3]) is nn.ModuleList and len(layers[1:3]) == 2
    del layers[1]
    assert type(layers[1]).__name__ == "Linear" and list(layers._modules)[-1] == "4"
    layers += [nn.ReLU()]
    assert len(layers) == 6
    assert layers.pop(-1).__class__ is nn.ReLU
    with pytest.raises(TypeError, match="should be called with an iterable"):
        layers.extend(nn.ReLU())
    with pytest.raises(NotImplementedError, match="missing the required"):
        layers(gg.ones(1))


def test_module_dict():
    d = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert list(d.keys()) == ["a", "b"] and "a" in d and len(d) == 2
    d["c"] = nn.Tanh()
    d.update([("e", nn.Sigmoid())])
    assert list(d) == ["a", "b", "c", "e"]
    assert d.pop("b").__class__ is nn.ReLU and "b" not in d
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    d.clear()
    assert len(d) == 0
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        d.update([("x", nn.ReLU(), 3)])


def test_parameter_list_and_dict():
    pl = nn.ParameterList([gg.ones(2), nn.Parameter(gg.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(gg.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert pl[-1].shape == (1,)
    pd = nn.ParameterDict({"w": gg.ones(2)})
    pd["b"] = nn.Parameter(gg.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["w"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    assert "b" in pd and len(pd) == 2
    del pd["w"]
    assert list(pd.state_dict()) == ["b"]


@pytest.mark.torch
def test_reprs_match_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(
            lib.nn.Linear(3, 4),
            lib.nn.ModuleList([lib.nn.Linear(4, 4)] * 3 + [lib.nn.ReLU(), lib.nn.ReLU(),
                                                            lib.nn.Tanh()]),
            lib.nn.ModuleDict({"out": lib.nn.Linear(4, 1), "act": lib.nn.Sigmoid()}),
            lib.nn.ModuleList(), lib.nn.Sequential())
    assert repr(build(gg)) == repr(build(torch))
    ours = repr(nn.ParameterList([nn.Parameter(gg.ones(2, 3))]))
    theirs = repr(torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3))]))
    assert ours == theirs.replace("torch.", "gpugrad.")
    ours = repr(nn.ParameterDict({"a": nn.Parameter(gg.ones(2))}))
    theirs = repr(torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.ones(2))}))
    assert ours == theirs.replace("torch.", "gpugrad.")


@pytest.mark.torch
def test_sequential_state_dict_round_trip_with_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.GELU(),
                                 lib.nn.ModuleList([lib.nn.Linear(4, 4)]),
                                 lib.nn.Embedding(5, 2))
    ours, theirs = build(gg), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours.state_dict()[k].numpy())
    fresh = build(gg)
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())


def test_parameter_dict_has_the_dict_methods_of_pytorch(torch):
    """get, setdefault, copy, popitem, fromkeys and clear, as torch.nn.ParameterDict."""
    from torch_compare import same

    def run(m):
        p = m.nn.ParameterDict({"a": m.nn.Parameter(m.ones(2)), "b": m.nn.Parameter(m.zeros(1))})
        out = [p.get("a") is p["a"], p.get("zz"), p.get("zz", 3)]
        out += [p.setdefault("c", m.nn.Parameter(m.ones(3))).shape, p.setdefault("a") is p["a"]]
        c = p.copy()
        out += [type(c).__name__, list(c.keys()), c["a"] is p["a"]]
        k, v = p.popitem()
        out += [k, v.shape, list(p.keys())]
        f = p.fromkeys(["x", "y"], m.nn.Parameter(m.ones(1)))
        out += [list(f.keys()), repr(f)]
        p.clear()
        return out + [len(p), list(p.state_dict()), repr(p)]
    same(run, torch)
    same(lambda m: m.nn.ParameterDict().popitem(), torch)
