"""Every failure the fuzz tests found, kept as an explicit example with PyTorch's answer
written out (so these run without PyTorch installed)."""
import importlib

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F


def _vals(t):
    return t.detach().cpu().numpy().tolist()


# ---------------------------------------------------------------------- elementwise
@pytest.mark.parametrize("fn", [gg.sigmoid, gg.tanh, gg.relu, F.gelu, F.silu, F.softplus,
                                F.elu, F.leaky_relu])
def test_fused_kernels_take_0d_tensors(device, fn):
    # The NumPy references wrote into ufunc results, which are scalars for 0-d operands.
    x = gg.tensor(0.5, dtype=gg.float64, device=device, requires_grad=True)
    y = fn(x)
    y.backward()
    assert y.shape == () and x.grad.shape == ()


def test_python_int_wraps_to_integer_dtype(device):
    u8 = gg.tensor([1], dtype=gg.uint8, device=device)
    assert _vals(u8 + 300) == [45] and (u8 + 300).dtype == gg.uint8
    assert _vals(u8 - 2) == [255]
    assert _vals(300 - u8) == [43]
    assert _vals(u8 < -1) == [True]          # -1 is 255 in uint8
    assert _vals(gg.tensor([1], dtype=gg.int8, device=device) * 1000) == [-24]


@pytest.mark.parametrize("fn", [
    lambda m: m.tensor([7]) // 0,
    lambda m: m.tensor([7]) % 0,
    lambda m: m.fmod(m.tensor([7]), m.tensor([1, 0])),
    lambda m: m.div(m.tensor([7]), 0, rounding_mode="floor"),
])
def test_integer_division_by_zero_raises(fn):
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        fn(gg)


def test_integer_division_by_zero_of_nothing_is_fine():
    assert gg.fmod(gg.tensor([], dtype=gg.uint8), gg.tensor(False)).shape == (0,)


def test_remainder_and_fmod_have_gradients(device):
    a = gg.tensor([5.5, -3.2, 7.0], dtype=gg.float64, device=device, requires_grad=True)
    b = gg.tensor([2.0, 2.0, -3.0], dtype=gg.float64, device=device, requires_grad=True)
    gg.remainder(a, b).sum().backward()
    assert _vals(a.grad) == [1, 1, 1] and _vals(b.grad) == [-2, 2, 3]   # -floor(a / b)
    a.grad = b.grad = None
    gg.fmod(a, b).sum().backward()
    assert _vals(b.grad) == [-2, 1, 2]                                  # -trunc(a / b)
    assert (a % 2).grad_fn is not None
    assert gg.autograd.gradcheck(lambda x, y: gg.remainder(x, y), (a, b))


def test_nan_to_num_has_a_gradient(device):
    x = gg.tensor([1.0, float("nan"), float("inf")], device=device, requires_grad=True)
    gg.nan_to_num(x, posinf=5.0).sum().backward()
    assert _vals(x.grad) == [1, 0, 0]


def test_hardtanh_on_integers_and_its_errors():
    assert _vals(F.hardtanh(gg.tensor([-5, 0, 5]))) == [-1, 0, 1]
    assert _vals(F.relu6(gg.tensor([0, 9], dtype=gg.uint8))) == [0, 6]
    with pytest.raises(RuntimeError, match="^Bool inputs not supported for hardtanh$"):
        F.hardtanh(gg.tensor([True]))
    with pytest.raises(RuntimeError, match="unsigned type with negative limits"):
        F.hardtanh(gg.tensor([1], dtype=gg.uint8))
    with pytest.raises(NotImplementedError, match="\"hardsigmoid_cpu\" not implemented for 'Long'"):
        F.hardsigmoid(gg.tensor([1]))
    with pytest.raises(NotImplementedError, match="\"hardswish_cpu\" not implemented for 'Byte'"):
        F.hardswish(gg.tensor([1], dtype=gg.uint8))


def test_gradcheck_catches_an_op_that_drops_the_graph():
    # It used to skip outputs that did not require grad, so a lost gradient passed.
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    error = importlib.import_module("gpugrad.autograd.gradcheck").GradcheckError
    with pytest.raises(error, match="expected to be zero"):
        gg.autograd.gradcheck(lambda t: (t * 2).detach(), (x,))


# ---------------------------------------------------------------------- reductions
@pytest.mark.parametrize("fn", [
    lambda t: t.var(0), lambda t: t.std(-1), lambda t: t.norm(dim=0),
    lambda t: t.sum(0), lambda t: t.mean((0,)), lambda t: t.logsumexp(0),
])
def test_reductions_of_0d_tensors_along_dim_0(fn):
    out = fn(gg.tensor(2.0))
    assert out.shape == ()


def test_0d_dim_ops_stay_0d(device):
    x = gg.tensor(0.5, dtype=gg.float64, device=device, requires_grad=True)
    for fn in (lambda t: t.cumsum(0), lambda t: t.cumprod(0), lambda t: t.flip(0),
               lambda t: gg.movedim(t, 0, -1), lambda t: t.max(0).values,
               lambda t: t.median(0).values, lambda t: t.sort(0).values,
               lambda t: t.topk(1).values, lambda t: t.kthvalue(1).values):
        y = fn(x)
        assert y.shape == ()
        (g,) = gg.autograd.grad(y, x)
        assert _vals(g) == 1.0
    assert x.argmax(0).shape == () and x.sort(0).indices.shape == ()
    assert gg.cumprod(gg.tensor(0.0, requires_grad=True), 0).shape == ()


def test_cumprod_of_a_0d_zero_has_gradient_one():
    x = gg.tensor(0.0, dtype=gg.float64, requires_grad=True)
    (g,) = gg.autograd.grad(gg.cumprod(x, 0) * 0.5, x)
    assert _vals(g) == 0.5


def test_empty_dim_list_reduces_every_dim():
    x = gg.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert _vals(x.mean(())) == 2.75 and x.var(()).shape == () and x.norm(dim=[]).shape == ()
    assert x.sum(dim=(), keepdim=True).shape == (1, 1)


def test_max_like_reductions_of_nothing_raise_as_pytorch():
    x = gg.ones(0, 3)
    cases = [
        (lambda: x.max(), RuntimeError, "max(): Expected reduction dim to be specified for "
                                        "input.numel() == 0. Specify the reduction dim with "
                                        "the 'dim' argument."),
        (lambda: x.amax(), RuntimeError, "amax(): Expected reduction dim to be specified"),
        (lambda: x.amax(0), IndexError, "amax(): Expected reduction dim 0 to have non-zero "
                                        "size."),
        (lambda: x.amin((0, 1)), IndexError, "amin(): Expected reduction dim 0 to have"),
        (lambda: x.max(0), IndexError, "max(): Expected reduction dim 0 to have non-zero"),
        (lambda: x.argmax(), IndexError, "argmax(): Expected reduction dim to be specified "
                                         "for input.numel() == 0."),
        (lambda: x.argmax(0), IndexError, "argmax(): Expected reduction dim 0 to have"),
        (lambda: x.median(0), IndexError, "median(): Expected reduction dim 0 to have"),
        (lambda: gg.aminmax(x), RuntimeError, "aminmax(): cannot compute aminmax over an "
                                              "empty dimension"),
    ]
    for fn, kind, text in cases:
        with pytest.raises(kind) as info:
            fn()
        assert str(info.value).startswith(text), str(info.value)
    assert x.amax(1).shape == (0,)          # only reduced dims must be non-empty
    assert np.isnan(_vals(x.median()))       # the median of nothing is nan


def test_prod_of_an_empty_tensor_backward():
    x = gg.ones(0, 0, dtype=gg.float64, requires_grad=True)
    y = x.prod()
    y.backward()
    assert _vals(y) == 1.0 and x.grad.shape == (0, 0)


def test_integer_reductions_keep_pytorch_dtypes():
    u8 = gg.tensor([1, 2], dtype=gg.uint8)
    assert u8.cumprod(0).dtype == gg.int64              # NumPy gave uint64
    assert gg.nansum(u8).dtype == gg.int64
    assert u8.all().dtype == gg.uint8 and u8.any(0).dtype == gg.uint8
    with pytest.raises(RuntimeError, match="got Long"):
        gg.nanmean(gg.tensor([1]))
    with pytest.raises(NotImplementedError, match="\"median_out\" not implemented for 'Bool'"):
        gg.tensor([True]).median(0)
    with pytest.raises(IndexError, match="median"):      # the empty dim is reported first
        gg.tensor([], dtype=gg.bool).median(0)


# ---------------------------------------------------------------------- shapes and indexing
def test_0d_misuses_raise_as_pytorch():
    x = gg.tensor(2.0)
    for fn, kind, text in [
            (lambda: gg.split(x, 1), RuntimeError, "split expects at least a 1-dimensional"),
            (lambda: gg.chunk(x, 1), RuntimeError, "chunk expects at least a 1-dimensional"),
            (lambda: gg.narrow(x, 0, 0, 1), RuntimeError, "narrow() cannot be applied to a "
                                                          "0-dim tensor."),
            (lambda: gg.index_select(x, 0, gg.tensor([0, 0])), RuntimeError,
             "index_select(): Index to scalar can have only 1 value, got 2 value(s)")]:
        with pytest.raises(kind) as info:
            fn()
        assert str(info.value) == text or str(info.value).startswith(text)


def test_nonzero_and_masked_select_of_0d():
    assert gg.nonzero(gg.tensor(2.0)).shape == (1, 0)
    assert gg.nonzero(gg.tensor(0.0)).shape == (0, 0)
    assert gg.masked_select(gg.tensor(2.0), gg.tensor(False)).shape == (0,)
    assert _vals(gg.masked_select(gg.tensor(2.0), gg.tensor(True))) == [2.0]


def test_descending_sort_of_unsigned_and_extreme_integers():
    assert _vals(gg.tensor([3, 1, 2], dtype=gg.uint8).sort(descending=True).values) == [3, 2, 1]
    assert _vals(gg.tensor([-128, 5], dtype=gg.int8).sort(descending=True).values) == [5, -128]


def test_take_along_dim_broadcasts():
    out = gg.take_along_dim(gg.ones(1, 3), gg.zeros(4, 1, dtype=gg.int64), 1)
    assert out.shape == (4, 1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        gg.take_along_dim(gg.ones(2, 3), gg.zeros(2, dtype=gg.int64), 0)


def test_split_and_chunk_of_an_empty_dim(device):
    x = gg.zeros(0, dtype=gg.float64, device=device, requires_grad=True)
    (piece,) = gg.split(x, 1)
    piece.sum().backward()
    assert x.grad.shape == (0,)
    assert len(gg.chunk(gg.zeros(0), 3)) == 3


def test_mean_and_var_of_nothing_are_nan_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # NumPy's "Mean of empty slice" must not leak
        for fn in (lambda t: t.mean(0), lambda t: t.var(0), lambda t: t.std(0)):
            assert np.isnan(_vals(fn(gg.ones(0, 3)))).all()


def test_broadcast_error_names_the_last_clashing_dim():
    # PyTorch compares shapes from the last dim, so (2, 3) * (3, 2) clashes at dim 1.
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match the size of tensor b "
                                           r"\(2\) at non-singleton dimension 1"):
        gg.ones(2, 3) * gg.ones(3, 2)


def test_second_derivative_of_relu_is_zeros_not_unused():
    # PyTorch returns zeros here; None would make grad() demand allow_unused=True.
    x = gg.tensor([1.0, -2.0], requires_grad=True)
    (g,) = gg.autograd.grad(x.relu().sum(), x, create_graph=True)
    (h,) = gg.autograd.grad(g.sum(), x)
    assert h.tolist() == [0.0, 0.0]
