"""Module and Parameter: registration, traversal, modes, conversion, state dicts, hooks, repr."""
import copy
import pickle

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", gg.zeros(()))
        self.register_buffer("scratch", gg.ones(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def _values(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


# ------------------------------------------------------------------------ Parameter
def test_parameter_defaults_and_repr():
    p = nn.Parameter(gg.tensor([1.0, 2.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, gg.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert str(p) == repr(p)
    assert not nn.Parameter(gg.ones(2), requires_grad=False).requires_grad
    assert type(p * 2) is gg.Tensor
    assert nn.Parameter().shape == (0,)


def test_parameter_shares_storage_and_copies():
    data = gg.zeros(3)
    p = nn.Parameter(data)
    with gg.no_grad():
        p.add_(1.0)
    assert data.tolist() == [1.0, 1.0, 1.0]
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad
    assert q._data is not p._data
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is nn.Parameter and r.tolist() == [1.0, 1.0, 1.0] and r.requires_grad


def test_parameter_int_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(gg.tensor([1, 2]))


# ------------------------------------------------------------------------ registration
def test_assigning_registers():
    net = Net()
    assert list(net._parameters) == []
    assert list(net._modules) == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                       "fc2.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    net.extra = nn.Parameter(gg.ones(1))
    assert "extra" in net._parameters and net.extra is net._parameters["extra"]
    net.fc2 = None
    assert net.fc2 is None and "fc2" in net._modules
    net.steps = gg.ones(())
    assert net._buffers["steps"].item() == 1.0
    del net.extra
    assert "extra" not in net._parameters
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope


def test_registration_errors():
    net = Net()
    with pytest.raises(TypeError,
                       match="cannot assign 'gpugrad.FloatTensor' as parameter 'weight'"):
        net.fc1.weight = gg.ones(4, 3)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'act'"):
        net.act = 3
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'steps'"):
        net.steps = 3
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", gg.ones(1))
    with pytest.raises(KeyError, match="parameter name can"):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("x", 3)
    with pytest.raises(TypeError, match="cannot assign 'gpugrad.FloatTensor' object to parameter"):
        net.register_parameter("w", gg.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gg.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_shared_parameters_are_deduplicated():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.children())) == 2
    assert list(seq.parameters(recurse=False)) == []


def test_get_submodule_and_parameter():
    net = nn.Sequential(Net())
    assert net.get_submodule("0.fc1") is net[0].fc1
    assert net.get_parameter("0.fc2.bias") is net[0].fc2.bias
    assert net.get_buffer("0.steps") is net[0].steps
    with pytest.raises(AttributeError, match="Net has no attribute `fc3`"):
        net.get_submodule("0.fc3")
    with pytest.raises(AttributeError, match="`steps` is not an nn.Parameter"):
        net.get_parameter("0.steps")


def test_dir_lists_members():
    names = dir(Net())
    assert {"fc1", "steps", "forward", "training"} <= set(names)


# ------------------------------------------------------------------------ modes and grads
def test_train_eval_and_apply():
    net = Net()
    assert net.training and net.fc1.training
    assert net.eval() is net
    assert not net.fc1.training and not net.act.training
    net.train()
    assert net.fc2.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(gg.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_call_runs_forward_and_missing_forward_raises():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required '
                                                  r'"forward" function'):
        nn.Module()(gg.ones(1))


# ------------------------------------------------------------------------ conversion
def test_to_converts_parameters_in_place():
    net = Net()
    net(gg.randn(2, 3)).sum().backward()
    params = list(net.parameters())
    grads = [p.grad for p in params]
    assert net.to(gg.float64) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == gg.float64 and p.grad.dtype == gg.float64 for p in params)
    assert all(p.grad is g for p, g in zip(params, grads))
    assert net.steps.dtype == gg.float64
    net.float()
    assert net.fc1.weight.dtype == gg.float32
    net.half()
    assert net.fc1.weight.dtype == gg.float16
    net.double()
    assert net.fc1.weight.dtype == gg.float64
    net.to("cpu", dtype=gg.float32)
    assert net.fc1.weight.dtype == gg.float32 and net.fc1.weight.device.type == "cpu"
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(gg.int64)


@pytest.mark.parametrize("args,kwargs", [
    (("float64",), {}), (("cpu", "float64"), {}), ((float,), {}), (("int64",), {}),
    ((), {"copy": True}), ((), {"non_blocking": True, "dtype": "float64"}),
    (("tensor64",), {}), ((), {"unknown": 1})])
def test_to_reads_arguments_as_pytorch(args, kwargs, torch):
    """Module.to takes what Tensor.to takes (dtype, device, a tensor, Python types), but no
    ``copy``; a non-float dtype raises."""
    from torch_compare import same

    def run(m):
        named = {"float64": m.float64, "int64": m.int64, "tensor64": m.zeros(1, dtype=m.float64)}
        a = [named.get(x, x) if isinstance(x, str) else x for x in args]
        kw = {k: named.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
        net = m.nn.Linear(2, 2)
        net.to(*a, **kw)
        return net.weight.dtype, net.bias.dtype
    same(run, torch)


def test_to_keeps_integer_buffers():
    m = nn.Module()
    m.register_buffer("count", gg.tensor(3))
    m.to(gg.float64)
    assert m.count.dtype == gg.int64


def test_to_device(device):
    net = Net().to(device)
    x = gg.randn(2, 3, device=device)
    out = net(x)
    assert out.device.type == device
    assert all(p.device.type == device for p in net.parameters())
    assert net.cpu().fc1.weight.device.type == "cpu"


# ------------------------------------------------------------------------ state dict
def test_state_dict_keys_and_sharing():
    net = Net()
    sd = net.state_dict()
    # Own entries first, then each child's, as PyTorch orders them.
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    w = sd["fc1.weight"]
    assert not w.requires_grad and w.grad_fn is None and type(w) is gg.Tensor
    with gg.no_grad():
        net.fc1.weight.fill_(2.0)
    assert float(w.sum()) == 2.0 * 12                # shares storage
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="m."))[1] == "m.fc1.weight"


def test_load_state_dict_round_trip():
    a, b = Net(), Net()
    result = b.load_state_dict(a.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in _values(a).items():
        np.testing.assert_array_equal(v, _values(b)[k])
    # Copied, not aliased: parameters keep their own storage and identity.
    assert b.fc1.weight._data is not a.fc1.weight._data


def test_load_state_dict_casts_and_accepts_arrays():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": np.ones((2, 2)), "bias": gg.zeros(2, dtype=gg.float64)})
    assert m.weight.dtype == gg.float32 and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_load_state_dict_errors_leave_model_unchanged():
    net = Net()
    before = _values(net)
    sd = {k: v.clone() + 1 for k, v in net.state_dict().items()}
    del sd["fc1.bias"]
    sd["fc9.weight"] = gg.zeros(1)
    sd["fc2.weight"] = gg.zeros(5, 4)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "fc1.bias". \n'
        '\tUnexpected key(s) in state_dict: "fc9.weight". \n'
        "\tsize mismatch for fc2.weight: copying a param with shape gpugrad.Size([5, 4]) from "
        "checkpoint, the shape in current model is gpugrad.Size([2, 4]).")
    after = _values(net)
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])
    # A size mismatch alone also changes nothing, strict or not.
    sd = {k: v.clone() + 1 for k, v in net.state_dict().items()}
    sd["fc2.bias"] = gg.zeros(7)
    with pytest.raises(RuntimeError, match="size mismatch for fc2.bias"):
        net.load_state_dict(sd, strict=False)
    for k in before:
        np.testing.assert_array_equal(before[k], _values(net)[k])


def test_load_state_dict_non_strict_reports_keys():
    m = nn.Linear(2, 2)
    res = m.load_state_dict({"weight": gg.zeros(2, 2), "other": gg.zeros(1)}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["other"]
    assert m.weight.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])


def test_load_state_dict_assign():
    m = nn.Linear(2, 2)
    w = gg.ones(2, 2)
    m.load_state_dict({"weight": w, "bias": gg.zeros(2)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight._data is w._data


@pytest.mark.torch
def test_state_dict_round_trip_with_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    back = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    back.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(back(gg.tensor(x)).detach().numpy(),
                               ours(gg.tensor(x)).detach().numpy())


def test_extra_state_round_trip():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 0

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a, b = WithExtra(), WithExtra()
    a.value = 7
    sd = a.state_dict()
    assert sd["_extra_state"] == {"value": 7}
    b.load_state_dict(sd)
    assert b.value == 7


# ------------------------------------------------------------------------ hooks
def test_forward_hooks_and_removal():
    m = nn.Linear(2, 2)
    calls = []
    pre = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    post = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    out = m(gg.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), m.bias.detach().numpy()[None] + 1,
                               rtol=1e-6)
    assert calls == [(1, 2)]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(m(gg.zeros(1, 2)).detach().numpy(),
                               m.bias.detach().numpy()[None])
    assert calls == [(1, 2)]


def test_hook_order_kwargs_and_context_manager():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda mod, a, o: order.append("a"))
    m.register_forward_hook(lambda mod, a, o: order.append("b"), prepend=True)
    with m.register_forward_hook(lambda mod, a, kw, o: order.append(sorted(kw)),
                                 with_kwargs=True):
        m(gg.ones(1))
    m(gg.ones(1))
    assert order == ["b", "a", [], "b", "a"]

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale
    s = Scaled()
    s.register_forward_pre_hook(lambda mod, a, kw: (a, {"scale": 3.0}), with_kwargs=True)
    assert s(gg.ones(1)).item() == 3.0


# ------------------------------------------------------------------------ repr
def test_repr_nested_with_extra_repr():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(1, 1)

        def extra_repr(self):
            return "k=1"
    assert repr(Custom()) == ("Custom(\n  k=1\n  (inner): Linear(in_features=1, out_features=1, "
                              "bias=True)\n)")
    assert repr(nn.Module()) == "Module()"


@pytest.mark.torch
def test_repr_matches_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(
            lib.nn.Linear(2, 3), lib.nn.ReLU(),
            lib.nn.Sequential(lib.nn.Dropout(0.2), lib.nn.GELU("tanh")),
            lib.nn.ModuleList([lib.nn.Linear(1, 1), lib.nn.Linear(1, 1), lib.nn.Tanh()]),
            lib.nn.ModuleDict({"emb": lib.nn.Embedding(5, 2, padding_idx=0)}),
            lib.nn.CrossEntropyLoss())
    assert repr(build(gg)) == repr(build(torch))


# ------------------------------------------------------------------------ copies
def test_deepcopy_and_pickle_module():
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.fc1.weight is not net.fc1.weight
    assert isinstance(twin.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(twin.fc1.weight.detach().numpy(),
                                  net.fc1.weight.detach().numpy())
    again = pickle.loads(pickle.dumps(net))
    x = gg.randn(2, 3)
    np.testing.assert_allclose(again(x).detach().numpy(), net(x).detach().numpy())


def test_state_dict_carries_versions_and_missing_num_batches_tracked(torch):
    """state_dict records each module's version in ``_metadata``, so a current BatchNorm
    checkpoint without num_batches_tracked reports it missing, while a plain dict (an old
    checkpoint) loads it as 0; the caller's dict is never changed."""
    from torch_compare import same

    def run(m):
        net = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.BatchNorm1d(3))
        sd = net.state_dict()
        meta = {k: v["version"] for k, v in sd._metadata.items()}
        del sd["1.num_batches_tracked"]
        lenient = net.load_state_dict(sd, strict=False)
        plain = dict(sd)
        loaded = net.load_state_dict(plain)
        return meta, lenient.missing_keys, repr(loaded), sorted(plain)
    same(run, torch)

    def strict(m):
        sd = m.nn.BatchNorm1d(3).state_dict()
        del sd["num_batches_tracked"]
        return m.nn.BatchNorm1d(3).load_state_dict(sd)
    same(strict, torch)


def test_load_state_dict_names_a_non_tensor_value(torch):
    from torch_compare import same

    def run(m):
        net = m.nn.Linear(2, 2)
        sd = net.state_dict()
        sd["bias"] = [1.0, 2.0]
        return net.load_state_dict(sd)
    same(run, torch)


def test_registration_messages_match_pytorch(torch):
    """Type errors name the tensor type by dtype and the expected types as PyTorch does."""
    from torch_compare import same

    def attempt(m, i):
        net = m.nn.Sequential(m.nn.Linear(2, 2))
        net.register_buffer("b", m.zeros(1))
        return [lambda: net.register_parameter("w", m.ones(1, dtype=m.float64)),
                lambda: setattr(net[0], "weight", m.ones(2, 2)),
                lambda: setattr(net, "0", 3),
                lambda: net.register_buffer("x", 3)][i]()
    for i in range(4):
        same(lambda m: attempt(m, i), torch)
