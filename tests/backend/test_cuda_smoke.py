"""On a GPU: ops run forward and backward on cuda and agree with the same ops on cpu.

A broad, quick pass over what a user touches first (arithmetic with broadcasting, matmul,
activations and their fused backward kernels, reductions, views and indexing, losses, conv,
pooling, norms, an optimizer step, memory counters). Exhaustive per-op checks live with the
ops; this one catches a cuda path that breaks as a whole. Skipped where CuPy sees no GPU.
"""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad.backend import cuda

F = gg.nn.functional


def _skip_reason():
    if cuda.is_available():
        return ""
    return f"needs CuPy and a CUDA device (gg.cuda.is_available() is False: {cuda._why_not})"


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not cuda.is_available(),
                                                  reason=_skip_reason())]

TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-11)}


def _floats(*shape, positive=False):
    def make(rng, dtype):
        a = rng.standard_normal(shape).astype(dtype)
        return np.abs(a) + 0.5 if positive else a
    return make


def _ints(high, *shape):
    return lambda rng, dtype: rng.integers(0, high, shape).astype(np.int64)


# name -> (input makers, fn of tensors returning a tensor)
CASES = {
    "add_broadcast": ([_floats(3, 4), _floats(4)], lambda a, b: a + b),
    "sub_mul_div": ([_floats(3, 4), _floats(3, 1, positive=True)], lambda a, b: (a - b) * a / b),
    "pow": ([_floats(5, positive=True)], lambda a: a ** 2.5),
    "matmul": ([_floats(3, 4), _floats(4, 5)], lambda a, b: a @ b),
    "bmm": ([_floats(2, 3, 4), _floats(2, 4, 2)], lambda a, b: gg.bmm(a, b)),
    "exp_log_sqrt": ([_floats(6, positive=True)], lambda a: a.exp() + a.log() + a.sqrt()),
    "tanh": ([_floats(4, 3)], lambda a: a.tanh()),
    "sigmoid": ([_floats(4, 3)], lambda a: a.sigmoid()),
    "relu": ([_floats(4, 3)], lambda a: F.relu(a)),
    "gelu": ([_floats(4, 3)], lambda a: F.gelu(a)),
    "gelu_tanh": ([_floats(4, 3)], lambda a: F.gelu(a, approximate="tanh")),
    "silu": ([_floats(4, 3)], lambda a: F.silu(a)),
    "softplus": ([_floats(4, 3)], lambda a: F.softplus(a)),
    "leaky_relu": ([_floats(4, 3)], lambda a: F.leaky_relu(a, 0.1)),
    "sum_mean": ([_floats(3, 4)], lambda a: a.sum(dim=1) + a.mean()),
    "max_dim": ([_floats(3, 4)], lambda a: a.max(dim=1).values),
    "var": ([_floats(3, 4)], lambda a: a.var(dim=0)),
    "softmax": ([_floats(3, 5)], lambda a: F.softmax(a, dim=-1)),
    "log_softmax": ([_floats(3, 5)], lambda a: F.log_softmax(a, dim=-1)),
    "views": ([_floats(2, 3, 4)], lambda a: a.permute(2, 0, 1).reshape(4, 6).t()[1:, ::2]),
    "index": ([_floats(5, 3), _ints(5, 4)], lambda a, i: a[i] * 2),
    "cat_stack": ([_floats(2, 3), _floats(2, 3)],
                  lambda a, b: gg.cat([a, b], dim=1) + gg.stack([a, b]).sum(0).repeat(1, 2)),
    "where": ([_floats(4), _floats(4)], lambda a, b: gg.where(a > 0, a, b)),
    "cross_entropy": ([_floats(4, 5), _ints(5, 4)], lambda x, t: F.cross_entropy(x, t)),
    "mse_loss": ([_floats(4, 3), _floats(4, 3)], lambda a, b: F.mse_loss(a, b)),
    "bce_logits": ([_floats(6), _floats(6)],
                   lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid())),
    "linear": ([_floats(4, 3), _floats(5, 3), _floats(5)], lambda x, w, b: F.linear(x, w, b)),
    "conv2d": ([_floats(2, 2, 5, 5), _floats(3, 2, 3, 3), _floats(3)],
               lambda x, w, b: F.conv2d(x, w, b, padding=1)),
    "max_pool2d": ([_floats(1, 2, 4, 4)], lambda x: F.max_pool2d(x, 2)),
    "avg_pool2d": ([_floats(1, 2, 4, 4)], lambda x: F.avg_pool2d(x, 2)),
    "layer_norm": ([_floats(3, 6), _floats(6), _floats(6)],
                   lambda x, w, b: F.layer_norm(x, (6,), w, b)),
    "batch_norm": ([_floats(4, 3)],
                   lambda x: F.batch_norm(x, None, None, training=True)),
    "embedding": ([_ints(6, 5), _floats(6, 3)], lambda i, w: F.embedding(i, w)),
}


def _run(fn, arrays, device, dtype):
    inputs = []
    for a in arrays:
        floating = a.dtype.kind == "f"
        inputs.append(gg.tensor(a, device=device, requires_grad=floating))
    out = fn(*inputs)
    grad_out = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(gg.tensor(grad_out, device=device))
    return out, [t.grad for t in inputs if t.requires_grad]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_backward_match_cpu(name, dtype):
    makers, fn = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [m(rng, dtype) for m in makers]
    want, want_grads = _run(fn, arrays, "cpu", dtype)
    got, got_grads = _run(fn, arrays, "cuda", dtype)
    assert got.is_cuda and got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy(),
                               err_msg=name, **TOL[dtype])
    assert len(got_grads) == len(want_grads)
    for k, (g, w) in enumerate(zip(got_grads, want_grads)):
        assert g is not None and g.is_cuda, (name, k)
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), err_msg=f"{name} grad {k}",
                                   **TOL[dtype])


def test_double_backward_on_cuda():
    x = gg.tensor([0.3, -0.7], dtype=gg.float64, device="cuda", requires_grad=True)
    y = (x.tanh() ** 2).sum()
    g, = gg.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    xc = x.detach().cpu().requires_grad_(True)
    gc, = gg.autograd.grad((xc.tanh() ** 2).sum(), xc, create_graph=True)
    gc.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), xc.grad.numpy(), rtol=1e-10)


def test_gradcheck_on_cuda():
    x = gg.randn(3, 4, dtype=gg.float64, device="cuda", requires_grad=True)
    w = gg.randn(4, 2, dtype=gg.float64, device="cuda", requires_grad=True)
    assert gg.autograd.gradcheck(lambda a, b: F.gelu(a @ b).sum(dim=0), (x, w))


def test_a_training_step_matches_cpu():
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(6, 8), gg.nn.ReLU(), gg.nn.Linear(8, 3))
    gpu_model = gg.nn.Sequential(gg.nn.Linear(6, 8), gg.nn.ReLU(), gg.nn.Linear(8, 3))
    gpu_model.load_state_dict(model.state_dict())
    gpu_model.to("cuda")
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((16, 6)).astype(np.float32), rng.integers(0, 3, 16)
    for m, dev in ((model, "cpu"), (gpu_model, "cuda")):
        opt = gg.optim.Adam(m.parameters(), lr=1e-2)
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(m(gg.tensor(x, device=dev)), gg.tensor(t, device=dev)).backward()
            opt.step()
    for (name, p), q in zip(model.named_parameters(), gpu_model.parameters()):
        assert q.is_cuda, name
        np.testing.assert_allclose(q.detach().cpu().numpy(), p.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)


def test_memory_counters_and_no_grad_on_cuda():
    gg.cuda.synchronize()
    base = gg.memory_allocated("cuda")
    x = gg.ones(1024, 1024, device="cuda")
    assert gg.memory_allocated("cuda") - base >= x.numel() * 4
    w = gg.randn(1024, 1024, device="cuda", requires_grad=True)

    def peak(fn):
        gg.reset_peak_memory_stats("cuda")
        start = gg.memory_allocated("cuda")
        fn()
        return gg.max_memory_allocated("cuda") - start

    with_grad = peak(lambda: ((x @ w).tanh() @ w).sum())
    with gg.no_grad():
        without = peak(lambda: ((x @ w).tanh() @ w).sum())
    assert without <= with_grad


def test_moves_and_messages_on_cuda():
    x = gg.arange(3.0, device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        x.numpy()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x + gg.arange(3.0)
    assert x.cpu().tolist() == [0.0, 1.0, 2.0]
    assert x.to("cpu").to("cuda").is_cuda
