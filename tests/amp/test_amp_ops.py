"""Autocast op lists on cpu against ``torch.autocast('cpu', dtype=torch.float16)``: output
dtypes, values and gradients (dtype and value) of each listed op, and ops left alone."""
import numpy as np
import pytest

import gpugrad as gg

rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _h(a):
    return a.astype(np.float16)


A, B, V = _r(3, 4), _r(4, 5), _r(4)
C, D, W, BIAS = _r(2, 3, 4), _r(2, 4, 5), _r(5, 4), _r(5)
X1, K1, X2, K2, KT = _r(2, 3, 8), _r(4, 3, 3), _r(1, 2, 5, 5), _r(3, 2, 3, 3), _r(2, 3, 3, 3)
H, Y, IN = _r(2, 3), _r(2, 3), _r(3, 5)
T = np.array([0, 2])
P = np.abs(_r(2, 3)) / 4 + 0.1
PT = (_r(2, 3) > 0).astype(np.float32)
SLOPE = np.array([0.25, 0.1], np.float32)

# name -> (fn(lib, F, inputs...), inputs): every floating input gets requires_grad.
CASES = {
    # lower precision list (cpu)
    "matmul": (lambda L, F, a, b: L.matmul(a, b), (A, B)),
    "matmul_vec": (lambda L, F, a, b: L.matmul(a, b), (A, V)),
    "mm": (lambda L, F, a, b: L.mm(a, b), (A, B)),
    "mv": (lambda L, F, a, b: L.mv(a, b), (A, V)),
    "dot": (lambda L, F, a, b: L.dot(a, b), (V, V * 2)),
    "mm_mixed": (lambda L, F, a, b: L.mm(a, b), (_h(A), B)),
    "bmm": (lambda L, F, a, b: L.bmm(a, b), (C, D)),
    "linear": (lambda L, F, x, w, b: F.linear(x, w, b), (C, W, BIAS)),
    "linear_mixed": (lambda L, F, x, w, b: F.linear(x, w, b), (_h(C), W, BIAS)),
    "conv1d": (lambda L, F, x, k: F.conv1d(x, k), (X1, K1)),
    "conv2d": (lambda L, F, x, k, b: F.conv2d(x, k, b, padding=1), (X2, K2, _r(3))),
    "conv2d_mixed": (lambda L, F, x, k: F.conv2d(x, k), (_h(X2), K2)),
    "conv_transpose2d": (lambda L, F, x, k: F.conv_transpose2d(x, k), (X2, KT)),
    "einsum": (lambda L, F, a, b: L.einsum("ij,jk->ik", a, b), (A, B)),
    "addmm": (lambda L, F, i, a, b: L.addmm(i, a, b), (IN, A, B)),
    "baddbmm": (lambda L, F, i, a, b: L.baddbmm(i, a, b, alpha=0.5), (_r(2, 3, 5), C, D)),
    "prelu": (lambda L, F, x, w: F.prelu(x, w), (X2, SLOPE)),
    "sdpa": (lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k, v), (C, C * 0.5, C)),
    # float32 list (cpu)
    "mse_loss": (lambda L, F, x, y: F.mse_loss(x, y), (_h(H), _h(Y))),
    "cross_entropy": (lambda L, F, x: F.cross_entropy(x, L.tensor(T)), (_h(H),)),
    "nll_loss": (lambda L, F, x: F.nll_loss(x, L.tensor(T)), (_h(H),)),
    "binary_cross_entropy": (lambda L, F, x, y: F.binary_cross_entropy(x, y),
                             (_h(P), _h(PT))),
    "bce_with_logits": (lambda L, F, x, y: F.binary_cross_entropy_with_logits(x, y),
                        (_h(H), _h(PT))),
    "prod": (lambda L, F, x: L.prod(x), (_h(H),)),
    "prod_dim": (lambda L, F, x: L.prod(x, 1), (_h(H),)),
    "cdist": (lambda L, F, a, b: L.cdist(a, b), (_h(H), _h(Y))),
    "trace": (lambda L, F, a: L.trace(a), (_h(A[:3, :3]),)),
    # promote (cpu)
    "cat": (lambda L, F, a, b: L.cat([a, b]), (_h(H), Y)),
    "stack": (lambda L, F, a, b: L.stack([a, b]), (_h(H), Y)),
    "cat_half": (lambda L, F, a, b: L.cat([a, b]), (_h(H), _h(Y))),
    # not on the cpu lists: input dtype kept
    "softmax": (lambda L, F, x: L.softmax(x, 1), (_h(H),)),
    "log_softmax": (lambda L, F, x: L.log_softmax(x, 1), (H,)),
    "layer_norm": (lambda L, F, x: F.layer_norm(x, (3,)), (_h(H),)),
    "exp": (lambda L, F, x: L.exp(x), (_h(H),)),
    "sum": (lambda L, F, x: L.sum(x), (_h(H),)),
    "cumsum": (lambda L, F, x: L.cumsum(x, 0), (_h(H),)),
    "pow": (lambda L, F, x: L.pow(x, 2), (_h(H),)),
    "add_mixed": (lambda L, F, a, b: a + b, (_h(H), Y)),
    "diagonal": (lambda L, F, a: L.diagonal(a), (A[:3, :3],)),
    # float16 input, float32 weights: PyTorch's mixed-dtype kernels return float16
    "layer_norm_mixed": (lambda L, F, x, w, b: F.layer_norm(x, (3,), w, b),
                         (_h(H), _r(3), _r(3))),
    "group_norm_mixed": (lambda L, F, x, w, b: F.group_norm(x, 2, w, b),
                         (_h(X2), _r(2), _r(2))),
    "batch_norm_mixed": (lambda L, F, x, w, b: F.batch_norm(
        x, L.zeros(2), L.ones(2), w, b, training=True), (_h(X2), _r(2), _r(2))),
    "float64_mm": (lambda L, F, a, b: L.mm(a, b), (A.astype(np.float64), B.astype(np.float64))),
}


def _run(lib, name):
    fn, arrays = CASES[name]
    F = lib.nn.functional
    ins = [lib.tensor(a, requires_grad=True) for a in arrays]
    with lib.autocast("cpu", dtype=lib.float16):
        out = fn(lib, F, *ins)
    out.float().sum().backward()
    return out, ins


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_dtype_values_and_grads_match_torch(name, torch):
    out, ins = _run(gg, name)
    t_out, t_ins = _run(torch, name)
    assert str(out.dtype).split(".")[-1] == str(t_out.dtype).split(".")[-1]
    tol = 1e-2 if out.dtype is gg.float16 or any(a.dtype == np.float16
                                                 for a in CASES[name][1]) else 1e-5
    np.testing.assert_allclose(out.detach().numpy().astype(np.float64),
                               t_out.detach().double().numpy(), rtol=tol, atol=tol)
    for g_in, t_in in zip(ins, t_ins):
        assert str(g_in.grad.dtype).split(".")[-1] == str(t_in.grad.dtype).split(".")[-1]
        assert g_in.grad.dtype is g_in.dtype      # gradients in each input's own dtype
        np.testing.assert_allclose(g_in.grad.numpy().astype(np.float64),
                                   t_in.grad.double().numpy(), rtol=3e-2, atol=3e-2)


def test_lower_precision_cast_is_recorded_and_exact():
    """The float16 product's value is the float16 product of float16-rounded inputs, and the
    weight gradient is float32."""
    a, b = gg.tensor(A), gg.tensor(B, requires_grad=True)
    with gg.autocast("cpu", dtype=gg.float16):
        y = gg.mm(a, b)
    expected = _h(A) @ _h(B)
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    y.sum().backward()
    assert b.grad.dtype is gg.float32


def test_integer_and_float64_inputs_are_not_cast():
    x = gg.arange(6).reshape(2, 3)
    with gg.autocast("cpu", dtype=gg.float16):
        assert gg.cat([x, x]).dtype is gg.int64
        assert gg.mm(gg.ones(2, 2, dtype=gg.float64), gg.ones(2, 2, dtype=gg.float64)).dtype \
            is gg.float64
        assert gg.prod(x).dtype is gg.int64


def test_cuda_region_leaves_cpu_tensors_alone(monkeypatch):
    """A 'cuda' region only touches cuda tensors (PyTorch dispatches per device)."""
    from gpugrad.amp import autocast_mode as am
    monkeypatch.setattr(gg.cuda, "is_available", lambda: True)
    with gg.autocast("cuda"):
        assert am.is_autocast_enabled("cuda")
        assert gg.mm(gg.tensor(A), gg.tensor(B)).dtype is gg.float32


def test_cuda_lists_by_policy():
    """The CUDA lists hold PyTorch's CUDA entries for the ops gpugrad has."""
    from gpugrad.amp.op_lists import CUDA, FP32, FP32_FIRST, LOWER, PROMOTE
    for name in ("MatMul", "Linear", "conv", "einsum", "addmm", "baddbmm", "prelu",
                 "ScaledDotProductAttention"):
        assert CUDA[name] == LOWER
    for name in ("Exp", "Log", "Pow", "NativeLayerNorm", "NativeGroupNorm", "MseLoss",
                 "NllLoss", "CrossEntropy", "binary_cross_entropy_with_logits", "Softplus"):
        assert CUDA[name] == FP32
    for name in ("Softmax", "LogSoftmax", "Sum", "Cumsum", "Prod"):
        assert CUDA[name] == FP32_FIRST
    assert CUDA["Atan2"] == PROMOTE


def test_cuda_policies_applied_to_cuda_like_inputs(monkeypatch):
    """The CUDA policies, run through the hook on cpu tensors standing in for cuda ones."""
    from gpugrad.amp import _dispatch, autocast_mode as am
    monkeypatch.setattr(_dispatch, "_device_type", lambda args: "cuda")
    monkeypatch.setattr(_dispatch, "_eligible",
                        lambda a, d: getattr(a, "_data", None) is not None
                        and a._data.dtype.kind == "f" and a._data.dtype != np.float64)
    monkeypatch.setattr(gg.cuda, "is_available", lambda: True)
    x16 = gg.tensor(_h(H), requires_grad=True)
    with gg.autocast("cuda"):
        assert am.get_autocast_dtype("cuda") is gg.float16
        assert gg.softmax(x16, 1).dtype is gg.float32
        assert gg.exp(x16).dtype is gg.float32
        assert gg.nn.functional.layer_norm(x16, (3,)).dtype is gg.float32
        assert gg.sum(x16).dtype is gg.float32
        assert gg.mm(gg.tensor(A), gg.tensor(B)).dtype is gg.float16
        assert gg.mv(gg.tensor(A), gg.tensor(V)).dtype is gg.float16
        assert gg.dot(gg.tensor(V), gg.tensor(V)).dtype is gg.float32
        assert gg.dot(gg.tensor(_h(V)), gg.tensor(V)).dtype is gg.float32
        assert gg.dot(gg.tensor(_h(V)), gg.tensor(_h(V))).dtype is gg.float16
        assert gg.sum(gg.ones(2, dtype=gg.float64)).dtype is gg.float64
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            gg.nn.functional.binary_cross_entropy(gg.tensor(_h(P)), gg.tensor(_h(PT)))
    gg.softmax(x16, 1).float().sum().backward()
    assert x16.grad.dtype is gg.float16


def _cnn(lib, x, seed_arrays):
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16, 3), nn.LayerNorm(3))
    with lib.no_grad():
        for p, a in zip(model.parameters(), seed_arrays):
            p.copy_(lib.tensor(a))
    with lib.autocast("cpu", dtype=lib.float16):
        out = model(lib.tensor(x))
        loss = lib.nn.functional.cross_entropy(out, lib.tensor(np.array([0, 2])))
    loss.backward()
    return out, loss, [p.grad for p in model.parameters()]


def test_small_cnn_forward_backward_matches_torch(torch):
    shapes = [(4, 2, 3, 3), (4,), (4,), (4,), (3, 16), (3,), (3,), (3,)]
    arrays = [_r(*s) * 0.3 for s in shapes]
    x = _r(2, 2, 4, 4)
    out, loss, grads = _cnn(gg, x, arrays)
    t_out, t_loss, t_grads = _cnn(torch, x, arrays)
    assert str(out.dtype)[-7:] == str(t_out.dtype)[-7:]
    assert loss.dtype is gg.float32 and t_loss.dtype == torch.float32
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=5e-3)
    for g, tg in zip(grads, t_grads):
        assert g.dtype is gg.float32 and tg.dtype == torch.float32
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=2e-2, atol=2e-3)
