"""Lazy modules and UninitializedParameter/UninitializedBuffer: reprs, state_dict keys and
placeholders, materialization on the first forward (shapes, class change, initialization as
the plain layer's), loading a checkpoint before the first forward, errors, as PyTorch's."""
import copy
import pickle

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn

BUILDERS = {
    "linear": (lambda n: n.LazyLinear(3), (2, 5)),
    "linear_nobias": (lambda n: n.LazyLinear(3, bias=False), (4, 2, 5)),
    "conv1d": (lambda n: n.LazyConv1d(4, 3, stride=2), (2, 5, 10)),
    "conv2d": (lambda n: n.LazyConv2d(4, 3, padding=1, groups=2), (2, 6, 5, 5)),
    "conv2d_unbatched": (lambda n: n.LazyConv2d(4, (1, 2), bias=False), (6, 5, 5)),
    "conv3d": (lambda n: n.LazyConv3d(2, 1), (1, 3, 2, 2, 2)),
    "convt1d": (lambda n: n.LazyConvTranspose1d(4, 3, output_padding=1, stride=2), (2, 5, 8)),
    "convt2d": (lambda n: n.LazyConvTranspose2d(4, 2, stride=2, groups=2), (1, 6, 4, 4)),
    "convt3d": (lambda n: n.LazyConvTranspose3d(2, 1), (1, 3, 2, 2, 2)),
    "bn1d": (lambda n: n.LazyBatchNorm1d(), (8, 3)),
    "bn2d": (lambda n: n.LazyBatchNorm2d(affine=False, momentum=None), (4, 3, 2, 2)),
    "bn3d": (lambda n: n.LazyBatchNorm3d(track_running_stats=False), (2, 3, 2, 2, 2)),
    "bn1d_nobias": (lambda n: n.LazyBatchNorm1d(bias=False), (4, 3, 5)),
    "in1d_nobias": (lambda n: n.LazyInstanceNorm1d(bias=False), (2, 3, 5)),
    "in1d": (lambda n: n.LazyInstanceNorm1d(), (2, 3, 5)),
    "in2d": (lambda n: n.LazyInstanceNorm2d(affine=False, track_running_stats=False),
             (2, 3, 4, 4)),
    "in3d": (lambda n: n.LazyInstanceNorm3d(eps=1e-3), (1, 2, 2, 2, 2)),
}


def _public_attrs(m):
    return {k: v for k, v in vars(m).items() if not k.startswith("_")}


# in2d without affine sees 3 channels against its placeholder 0 and warns, as PyTorch's.
@pytest.mark.filterwarnings("ignore:input's size at dim=1 does not match num_features")
@pytest.mark.parametrize("name", list(BUILDERS))
def test_before_and_after_forward_match_torch(torch, name):
    build, shape = BUILDERS[name]
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    assert [type(v).__name__ for v in sd.values()] == [type(v).__name__ for v in tsd.values()]
    assert ours.has_uninitialized_params() == theirs.has_uninitialized_params()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]

    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y, ty = ours(gg.tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == repr(theirs)
    assert _public_attrs(ours) == _public_attrs(theirs)
    assert tuple(y.shape) == tuple(ty.shape)
    assert len(ours._forward_pre_hooks) == 0
    for (n, p), (tn, tp) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert n == tn and tuple(p.shape) == tuple(tp.shape) and p.dtype.name == \
            str(tp.dtype).split(".")[-1]
    for p in ours.parameters():
        assert type(p) is nn.Parameter and p.requires_grad
    # After loading torch's values, both compute the same thing.
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(ours(gg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_initialization_as_plain_layer():
    gg.manual_seed(0)
    lazy = nn.LazyLinear(3)
    lazy(gg.ones(1, 5))
    gg.manual_seed(0)
    nn.Linear(5, 3)   # draws for a discarded layer of the same shape
    # Bounds of Linear's default init: U(-1/sqrt(5), 1/sqrt(5)).
    bound = 1 / np.sqrt(5)
    assert np.abs(lazy.weight.detach().numpy()).max() <= bound
    assert np.abs(lazy.bias.detach().numpy()).max() <= bound
    assert lazy.weight.detach().numpy().std() > 0.1
    bn = nn.LazyBatchNorm1d()
    bn.eval()
    bn(gg.randn(4, 3))
    np.testing.assert_array_equal(bn.weight.detach().numpy(), 1.0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1.0)
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0.0)


def test_gradients_flow_after_materialization():
    m = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    m(gg.randn(3, 6)).sum().backward()
    assert [tuple(p.grad.shape) for p in m.parameters()] == [(4, 6), (4,), (2, 4), (2,)]


def test_load_state_dict_before_forward(torch):
    src = nn.Linear(5, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(src.state_dict())
    # Materialized (shapes from the checkpoint), still lazy until the first forward.
    assert type(lazy).__name__ == "LazyLinear" and not lazy.has_uninitialized_params()
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), src.weight.detach().numpy())
    x = gg.randn(2, 5)
    np.testing.assert_allclose(lazy(x).detach().numpy(), src(x).detach().numpy())
    assert type(lazy) is nn.Linear and lazy.in_features == 5
    other = nn.LazyLinear(3)
    other.load_state_dict(src.state_dict())
    with pytest.raises(AssertionError, match="The in_features inferred from input: 4 is not "
                                             "equal to in_features from self.weight: 5"):
        other(gg.randn(2, 4))
    bn = nn.LazyBatchNorm2d()
    bn.load_state_dict(nn.BatchNorm2d(4).state_dict())
    assert tuple(bn.running_mean.shape) == (4,)


def test_to_keeps_placeholders():
    m = nn.LazyBatchNorm1d().to(gg.float64)
    assert isinstance(m.weight, nn.UninitializedParameter)
    assert isinstance(m.running_mean, nn.UninitializedBuffer)
    assert m.weight.dtype == gg.float64 and m.running_mean.dtype == gg.float64
    m(gg.randn(4, 3, dtype=gg.float64))
    assert m.weight.dtype == gg.float64 and m.running_mean.dtype == gg.float64
    assert m.num_batches_tracked.item() == 1


def test_uninitialized_parameter(torch):
    p = nn.UninitializedParameter()
    assert nn.parameter.UninitializedParameter is nn.UninitializedParameter
    assert isinstance(p, nn.Parameter) and p.requires_grad
    assert repr(p) == repr(torch.nn.UninitializedParameter())
    assert repr(type(p)).replace("gpugrad", "torch") == repr(torch.nn.UninitializedParameter)
    with pytest.raises(RuntimeError) as ours:
        p.shape
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.UninitializedParameter().shape
    assert str(ours.value) == str(theirs.value)
    q = nn.UninitializedParameter(requires_grad=False, dtype=gg.float64)
    assert not q.requires_grad and q.dtype == gg.float64
    c = copy.deepcopy(q)
    assert isinstance(c, nn.UninitializedParameter) and c.dtype == gg.float64
    r = pickle.loads(pickle.dumps(q))
    assert isinstance(r, nn.UninitializedParameter) and not r.requires_grad
    assert q.materialize((2, 3)) is None
    assert type(q) is nn.Parameter and tuple(q.shape) == (2, 3) and q.dtype == gg.float64
    b = nn.UninitializedBuffer()
    assert repr(b) == repr(torch.nn.UninitializedBuffer()) and not b.requires_grad
    b.materialize(4)
    assert type(b) is gg.Tensor and tuple(b.shape) == (4,)


@pytest.mark.parametrize("case", range(4))
def test_errors(torch, case):
    from torch_compare import same

    def run(lib):
        n = lib.nn
        return [lambda: n.LazyConv2d(4, 3)(lib.ones(2, 3)),
                lambda: n.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5)),
                lambda: repr(n.LazyConv1d(4, 3, groups=3)),
                lambda: n.LazyBatchNorm1d()(lib.ones(2, 3, 4, 5))][case]()
    same(run, torch)


def test_container_repr_and_state_dict(torch):
    def build(n):
        return n.Sequential(n.LazyConv2d(8, 3), n.LazyBatchNorm2d(), n.ReLU(), n.Flatten(),
                            n.LazyLinear(10))
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32)
    ours(gg.tensor(x))
    theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs)
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in theirs.state_dict().values()]


def test_copy_pickle_and_dtype_conversion():
    m = nn.LazyLinear(3)
    c = copy.deepcopy(m)
    c(gg.randn(2, 4))
    # The copy has its own hook: it materializes alone.
    assert type(c) is nn.Linear and tuple(c.weight.shape) == (3, 4)
    assert type(m) is nn.LazyLinear and m.has_uninitialized_params()
    b = pickle.loads(pickle.dumps(nn.LazyBatchNorm1d()))
    assert isinstance(b.running_mean, nn.UninitializedBuffer)
    b(gg.randn(3, 2))
    assert type(b) is nn.BatchNorm1d and tuple(b.running_mean.shape) == (2,)
    d = nn.LazyConv2d(3, 2).double()
    d(gg.randn(1, 2, 4, 4, dtype=gg.float64))
    assert d.weight.dtype == gg.float64 and tuple(d.weight.shape) == (3, 2, 2, 2)
