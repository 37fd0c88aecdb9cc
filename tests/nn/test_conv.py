"""Convolutions: gradcheck, gradgradcheck, parity with PyTorch, saves, layers, errors."""
import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

# (function, input shape, weight shape, kwargs): every stride/padding/dilation/groups path.
CONV = {
    "1d": ("conv1d", (2, 2, 7), (3, 2, 3), {}),
    "1d_stride_pad": ("conv1d", (2, 2, 7), (3, 2, 3), dict(stride=2, padding=1)),
    "1d_same_even": ("conv1d", (2, 2, 7), (3, 2, 4), dict(padding="same", dilation=1)),
    "2d": ("conv2d", (2, 2, 5, 5), (3, 2, 3, 3), {}),
    "2d_stride": ("conv2d", (2, 2, 5, 5), (3, 2, 3, 3), dict(stride=2)),
    "2d_pad": ("conv2d", (2, 2, 5, 5), (3, 2, 3, 3), dict(padding=(1, 2))),
    "2d_dilation": ("conv2d", (2, 2, 5, 5), (3, 2, 2, 3), dict(dilation=2, padding=1)),
    "2d_groups": ("conv2d", (2, 4, 5, 5), (6, 2, 3, 3), dict(groups=2, stride=(2, 1))),
    "2d_depthwise": ("conv2d", (2, 3, 5, 5), (3, 1, 3, 3), dict(groups=3, padding=1)),
    "2d_same": ("conv2d", (2, 2, 5, 5), (3, 2, 3, 2), dict(padding="same", dilation=(1, 2))),
    "2d_valid": ("conv2d", (2, 2, 5, 5), (3, 2, 3, 3), dict(padding="valid")),
    "2d_all": ("conv2d", (2, 4, 6, 5), (4, 2, 2, 3),
               dict(stride=(2, 3), padding=(2, 1), dilation=(2, 1), groups=2)),
    "2d_1x1": ("conv2d", (2, 3, 4, 4), (2, 3, 1, 1), {}),
    # Many channels, short rows: the input gradient adds along channels (another layout).
    "2d_channels_last": ("conv2d", (2, 8, 3, 3), (2, 8, 2, 2), {}),
    "2d_channels_last_groups": ("conv2d", (1, 8, 4, 3), (4, 4, 3, 2),
                                dict(groups=2, padding=1, stride=2)),
    "3d": ("conv3d", (1, 2, 4, 4, 3), (2, 1, 2, 3, 2), dict(groups=2, padding=1, stride=2)),
}

CONV_T = {
    "t1d": ("conv_transpose1d", (2, 2, 5), (2, 3, 3), dict(stride=2, output_padding=1)),
    "t2d": ("conv_transpose2d", (2, 2, 4, 4), (2, 3, 3, 3), {}),
    "t2d_stride_pad": ("conv_transpose2d", (2, 2, 4, 4), (2, 3, 3, 3),
                       dict(stride=2, padding=1, output_padding=1)),
    "t2d_dilation": ("conv_transpose2d", (2, 2, 4, 3), (2, 3, 2, 3),
                     dict(dilation=(2, 1), padding=(1, 0), output_padding=(1, 0))),
    "t2d_groups": ("conv_transpose2d", (2, 4, 4, 4), (4, 1, 3, 2),
                   dict(groups=2, stride=(1, 2), output_padding=(0, 1))),
    "t2d_all": ("conv_transpose2d", (2, 4, 3, 4), (4, 2, 3, 3),
                dict(stride=3, padding=1, output_padding=2, dilation=2, groups=2)),
    "t2d_channels_last": ("conv_transpose2d", (1, 2, 3, 2), (2, 3, 3, 3),
                          dict(stride=2, groups=2, output_padding=1)),
    "t3d": ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 1, 2, 2, 2), dict(stride=2)),
}
ALL = {**CONV, **CONV_T}


def _weights(name, dtype=np.float64):
    fn, xs, ws, kw = ALL[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    out_ch = ws[1] * kw.get("groups", 1) if "transpose" in fn else ws[0]
    return [rng.standard_normal(s).astype(dtype) for s in (xs, ws, (out_ch,))]


def _gg(arrays, device):
    return [gg.tensor(a, device=device, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("name", list(ALL))
def test_gradcheck(name, device):
    fn, _, _, kw = ALL[name]
    x, w, b = _gg(_weights(name), device)
    assert gradcheck(lambda x, w, b: getattr(F, fn)(x, w, b, **kw), (x, w, b))


@pytest.mark.parametrize("name", ["1d_stride_pad", "2d_all", "2d_same", "t2d_all", "t1d",
                                  "2d_channels_last_groups", "t2d_channels_last"])
def test_gradgradcheck(name, device):
    fn, _, _, kw = ALL[name]
    x, w, b = _gg(_weights(name), device)
    assert gradgradcheck(lambda x, w, b: getattr(F, fn)(x, w, b, **kw), (x, w, b))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(ALL))
def test_matches_torch(name, dtype, device, torch):
    fn, _, _, kw = ALL[name]
    arrays = _weights(name, dtype)
    ours = _gg(arrays, device)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = getattr(F, fn)(*ours, **kw)
    ty = getattr(torch.nn.functional, fn)(*theirs, **kw)
    g = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(gg.tensor(g, device=device))
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert y.dtype.name == dtype
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.cpu().numpy(), t.grad.numpy(), **tol)


def test_unbatched_input(torch):
    x, w, b = _weights("2d_groups")
    y = F.conv2d(gg.tensor(x[0]), gg.tensor(w), gg.tensor(b), groups=2, stride=(2, 1))
    ty = torch.nn.functional.conv2d(torch.tensor(x[0]), torch.tensor(w), torch.tensor(b),
                                    groups=2, stride=(2, 1))
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-12)
    wt = np.random.default_rng(3).standard_normal((4, 1, 3, 3))
    yt = F.conv_transpose2d(gg.tensor(x[0]), gg.tensor(wt), groups=2, stride=2)
    tyt = torch.nn.functional.conv_transpose2d(torch.tensor(x[0]), torch.tensor(wt), groups=2,
                                               stride=2)
    assert yt.shape == (2, 11, 11) == tuple(tyt.shape)
    np.testing.assert_allclose(yt.numpy(), tyt.numpy(), rtol=1e-12)


def test_saves_only_what_the_gradients_need():
    x = gg.randn(1, 2, 5, 5)
    w = gg.randn(3, 2, 3, 3)
    y = F.conv2d(x.requires_grad_(), w)
    saved_x, saved_w = y.grad_fn.saved_tensors
    assert saved_x is None and saved_w is not None  # dx needs only the weight
    y = F.conv2d(x.detach(), w.requires_grad_())
    saved_x, saved_w = y.grad_fn.saved_tensors
    assert saved_x is not None and saved_w is None
    with gg.no_grad():
        assert F.conv2d(x, w).grad_fn is None
    assert y.grad_fn.name() == "ConvolutionBackward0"


def test_double_backward_of_the_input_gradient_is_a_convolution():
    # d/dw of sum(dL/dx) exists and matches torch: the backward is made of conv ops.
    torch = pytest.importorskip("torch")
    x, w, _ = _weights("2d_all")
    kw = ALL["2d_all"][3]
    gx, gw = gg.tensor(x, requires_grad=True), gg.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (g,) = gg.autograd.grad(F.conv2d(gx, gw, **kw).pow(2).sum(), gx, create_graph=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.conv2d(tx, tw, **kw).pow(2).sum(), tx,
                                create_graph=True)
    g.sum().backward()
    tg.sum().backward()
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ layers
LAYERS = [
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1)),
    ("Conv2d", (3, 4, 3), {}),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=2, groups=2,
                                   bias=False)),
    ("Conv2d", (3, 4, 3), dict(padding="same", padding_mode="reflect")),
    ("Conv2d", (3, 4, 3), dict(padding=2, padding_mode="circular")),
    ("Conv2d", (3, 4, 2), dict(padding=1, padding_mode="replicate")),
    ("Conv2d", (3, 4, 3), dict(padding="valid")),
    ("Conv3d", (2, 2, 2), dict(padding=1)),
    ("ConvTranspose1d", (3, 2, 3), dict(stride=2)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ("ConvTranspose2d", (3, 2, 3), dict(dilation=2, bias=False)),
]


def _load_from_torch(ours, theirs):
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("cls,args,kw", LAYERS, ids=[f"{c}-{i}" for i, (c, _, _) in
                                                     enumerate(LAYERS)])
def test_layer_matches_torch(cls, args, kw, torch):
    theirs = getattr(torch.nn, cls)(*args, **kw).double()
    ours = getattr(nn, cls)(*args, **kw).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    _load_from_torch(ours, theirs)
    d = int(cls[-2])
    shape = (2, args[0]) + (6,) * d
    x = np.random.default_rng(1).standard_normal(shape)
    y = ours(gg.tensor(x))
    ty = theirs(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, err_msg=name)


def test_conv_transpose_output_size(torch):
    kw = dict(stride=3, padding=1)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, **kw).double()
    ours = nn.ConvTranspose2d(2, 3, 3, **kw).double()
    _load_from_torch(ours, theirs)
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 4))
    for size in [(10, 11), [1, 3, 12, 10]]:
        y = ours(gg.tensor(x), output_size=size)
        ty = theirs(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    from torch_compare import same
    same(lambda lib: (ours if lib is gg else theirs)(lib.tensor(x), output_size=(9, 14)), torch)


def test_default_init_bounds():
    gg.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3)
    fan_in = 8 * 9
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) and the bias rule agree
    w = conv.weight.detach().numpy()
    b = conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    t = nn.ConvTranspose2d(8, 4, 3, groups=2)
    assert t.weight.shape == (8, 2, 3, 3)
    assert np.abs(t.bias.detach().numpy()).max() <= 1 / math.sqrt(2 * 9)


# ------------------------------------------------------------------ errors
ERRORS = {
    "channels": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 2, 5, 5),
                                                     lib.zeros(4, 3, 3, 3)),
    "rank": lambda lib: lib.nn.functional.conv2d(lib.zeros(2, 3), lib.zeros(4, 3, 3, 3)),
    "rank1d": lambda lib: lib.nn.functional.conv1d(lib.zeros(1, 3, 5, 5), lib.zeros(4, 3, 3)),
    "kernel_too_big": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 2, 2),
                                                           lib.zeros(4, 3, 3, 3)),
    "groups": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 4, 5, 5),
                                                   lib.zeros(3, 2, 3, 3), groups=2),
    "bias": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5), lib.zeros(4, 3, 3, 3),
                                                 lib.zeros(3)),
    "dtype": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5),
                                                  lib.zeros(4, 3, 3, 3, dtype=lib.float64)),
    "bias_dtype": lambda lib: lib.nn.functional.conv2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(4, 3, 3, 3), lib.zeros(4, dtype=lib.float64)),
    "same_strided": lambda lib: lib.nn.functional.conv2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(4, 3, 3, 3), stride=2, padding="same"),
    "bad_padding": lambda lib: lib.nn.functional.conv2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(4, 3, 3, 3), padding="full"),
    "stride0": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5),
                                                    lib.zeros(4, 3, 3, 3), stride=0),
    "negative_pad": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5),
                                                         lib.zeros(4, 3, 3, 3), padding=-1),
    "stride_len": lambda lib: lib.nn.functional.conv2d(lib.zeros(1, 3, 5, 5),
                                                       lib.zeros(4, 3, 3, 3), stride=(1, 1, 1)),
    "t_channels": lambda lib: lib.nn.functional.conv_transpose2d(lib.zeros(1, 2, 5, 5),
                                                                 lib.zeros(3, 4, 3, 3)),
    "t_output_padding": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(3, 4, 3, 3), stride=2, output_padding=2),
    "t1d_output_padding": lambda lib: lib.nn.functional.conv_transpose1d(
        lib.zeros(1, 3, 5), lib.zeros(3, 4, 3), stride=2, output_padding=2),
    "t_bias": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(3, 4, 3, 3), lib.zeros(3)),
    "t_padding_str": lambda lib: lib.nn.functional.conv_transpose2d(
        lib.zeros(1, 3, 5, 5), lib.zeros(3, 4, 3, 3), padding="same"),
    "layer_groups": lambda lib: lib.nn.Conv2d(4, 6, 3, groups=3),
    "layer_same_stride": lambda lib: lib.nn.Conv2d(4, 6, 3, stride=2, padding="same"),
    "layer_t_mode": lambda lib: lib.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    same(ERRORS[name], torch)


def test_layer_option_errors():
    # PyTorch prints these options from a set, in no fixed order: compare everything else.
    with pytest.raises(ValueError, match="Invalid padding string 'full', should be one of") as e:
        nn.Conv2d(4, 6, 3, padding="full")
    assert "'same'" in str(e.value) and "'valid'" in str(e.value)
    with pytest.raises(ValueError, match="but got padding_mode='mirror'") as e:
        nn.Conv2d(4, 6, 3, padding_mode="mirror")
    assert all(f"'{m}'" in str(e.value) for m in ("zeros", "reflect", "replicate", "circular"))


def test_error_message_names_shapes():
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[4, 3, 3, 3\], "
                                           r"expected input\[1, 2, 5, 5\] to have 3 channels, "
                                           r"but got 2 channels instead"):
        F.conv2d(gg.zeros(1, 2, 5, 5), gg.zeros(4, 3, 3, 3))
