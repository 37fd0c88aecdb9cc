"""The array form of backward (``_backward_arrays``) that first-order backward runs must give
the very numbers of the tensor form (``backward``), which create_graph=True runs."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.autograd.function import Function


def _t(rng, shape, dtype, positive=False):
    a = rng.standard_normal(shape).astype(dtype)
    return gg.tensor(np.abs(a) + 0.5 if positive else a, requires_grad=True)


CASES = [
    ("add", lambda a, b: a + b, [(3, 4), (3, 4)]),
    ("add broadcast", lambda a, b: a + b, [(3, 4), (4,)]),
    ("add number", lambda a: a + 2.5, [(3, 4)]),
    ("sub broadcast", lambda a, b: a - b, [(2, 3, 4), (3, 1)]),
    ("mul", lambda a, b: a * b, [(3, 4), (3, 4)]),
    ("mul broadcast", lambda a, b: a * b, [(5, 1), (1, 6)]),
    ("mul number", lambda a: a * -1.5, [(3, 4)]),
    ("neg", lambda a: -a, [(3, 4)]),
    ("matmul", lambda a, b: a @ b, [(3, 4), (4, 5)]),
    ("matmul batched", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    ("matmul broadcast batch", lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    ("matmul vector", lambda a, b: a @ b, [(3, 4), (4,)]),
    ("relu", lambda a: a.relu(), [(3, 4)]),
    ("tanh", lambda a: a.tanh(), [(3, 4)]),
    ("sigmoid", lambda a: a.sigmoid(), [(3, 4)]),
    ("sum", lambda a: a.sum(), [(3, 4)]),
    ("sum dim", lambda a: a.sum(1), [(3, 4, 2)]),
    ("sum dims keepdim", lambda a: a.sum((0, 2), keepdim=True), [(3, 4, 2)]),
    ("linear", lambda x, w, b: F.linear(x, w, b), [(5, 3), (4, 3), (4,)]),
    ("linear 3-d, no bias", lambda x, w: F.linear(x, w), [(2, 5, 3), (4, 3)]),
    ("chain", lambda x, w: (((x @ w).relu() * 2.0 + 1.0).tanh()).sum(), [(8, 8), (8, 8)]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_first_order_equals_tensor_backward(name, fn, shapes, dtype):
    rng = np.random.default_rng(0)
    inputs = [_t(rng, s, dtype) for s in shapes]
    out = fn(*inputs)
    g = gg.tensor(rng.standard_normal(out.shape).astype(dtype))
    # create_graph=True runs each node's tensor-level backward.
    want = gg.autograd.grad(out, inputs, g, retain_graph=True, create_graph=True)
    out.backward(g)
    for x, w in zip(inputs, want):
        assert x.grad.dtype == w.dtype and x.grad.shape == w.shape
        np.testing.assert_array_equal(x.grad.numpy(), w.detach().numpy())


def test_mixed_dtypes_are_cast_back():
    a = gg.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    b = gg.tensor(np.full((2, 3), 0.1), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == gg.float32 and b.grad.dtype == gg.float64
    np.testing.assert_array_equal(a.grad.numpy(), np.full((2, 3), 0.1).astype(np.float32))


def test_inplace_change_is_caught():
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    b = gg.tensor([3.0, 4.0], requires_grad=True)
    y = a * b
    with gg.no_grad():
        b.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_hooks_see_tensors():
    a = gg.tensor([1.0, -2.0], requires_grad=True)
    seen = []
    y = a.relu()
    y.register_hook(lambda g: seen.append(type(g).__name__) or g * 3)
    y.grad_fn.register_hook(lambda gi, go: seen.append(type(gi[0]).__name__))
    y.sum().backward()
    assert seen == ["Tensor", "Tensor"]
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 0.0])


def test_subclass_overriding_backward_does_not_inherit_the_array_form():
    from gpugrad.ops.arithmetic import Mul

    class Doubled(Mul):
        @staticmethod
        def backward(ctx, g):
            ga, gb = Mul.backward(ctx, g)
            return ga * 2, gb

    assert Doubled._backward_cls._fast_backward is None
    a = gg.tensor([1.0, 2.0], requires_grad=True)
    Doubled.apply(a, 3.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [6.0, 6.0])


def test_user_function_has_no_array_form():
    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    assert Exp._backward_cls._fast_backward is None
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]))


def test_unrecorded_calls_of_ctx_free_ops_share_a_frozen_ctx():
    from gpugrad.ops.arithmetic import Mul

    class Stores(Mul):
        @staticmethod
        def forward(ctx, a, b):
            ctx.seen = True             # a new forward that stores: its own ctx per call
            return Mul.forward(ctx, a, b)

    assert Mul._ctx_free and not Stores._ctx_free
    with gg.no_grad():
        y = Stores.apply(gg.tensor([1.0, 2.0], requires_grad=True), 2.0)
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
