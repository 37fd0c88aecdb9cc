"""Custom ``autograd.Function``: the ctx API, error texts and the no-grad path, compared with
PyTorch; under no_grad a call records nothing and keeps nothing alive."""
import gc
import weakref

import numpy as np

import gpugrad as gg
from torch_compare import same


def _fns(m):
    """A few custom Functions written once against ``m`` (gpugrad or torch)."""

    class MulAdd(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y + k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * y if ctx.needs_input_grad[0] else None
            gy = g * x if ctx.needs_input_grad[1] else None
            return gx, gy, None

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2          # differentiable: double backward works

    class SortWithIndex(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            idx, = ctx.saved_tensors
            out = m.zeros_like(g)
            out[idx] = g
            return out

    class AddOneInPlace(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Split2(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            out = None
            if g1 is not None:
                out = g1 * 2
            if g2 is not None:
                out = g2 * 3 if out is None else out + g2 * 3
            return out

    class Split2Materialized(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    class Identity(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 10

    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.exp()

    class TooFew(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class WrongShape(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return m.ones(5)

    class Broadcasting(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g.expand(4, *g.shape)     # reduced back to x's shape

    return dict(MulAdd=MulAdd, Cube=Cube, SortWithIndex=SortWithIndex,
                AddOneInPlace=AddOneInPlace, Split2=Split2,
                Split2Materialized=Split2Materialized, Identity=Identity, Once=Once,
                TooFew=TooFew, WrongShape=WrongShape, Broadcasting=Broadcasting)


def _x(m, requires_grad=True):
    return m.tensor([0.5, -1.0, 2.0], requires_grad=requires_grad)


def test_forward_backward_and_saved_tensors(torch):
    def f(m):
        F = _fns(m)["MulAdd"]
        x, y = _x(m), m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = F.apply(x, y, 4.0)
        out.sum().backward()
        return out, x.grad, y.grad, out.grad_fn.name(), type(out.grad_fn).__name__
    same(f, torch)


def test_needs_input_grad(torch):
    def f(m):
        seen = []

        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                seen.append(ctx.needs_input_grad)
                return x * y

            @staticmethod
            def backward(ctx, g):
                seen.append(ctx.needs_input_grad)
                return g, None, None
        out = Probe.apply(_x(m), m.ones(3), 2)
        out.sum().backward()
        return seen
    same(f, torch)


def test_double_backward_through_custom_function(torch):
    def f(m):
        x = _x(m)
        y = _fns(m)["Cube"].apply(x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g, h
    same(f, torch)


def test_mark_non_differentiable(torch):
    def f(m):
        x = _x(m)
        values, idx = _fns(m)["SortWithIndex"].apply(x)
        (values * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        return values, idx, idx.requires_grad, values.requires_grad, x.grad
    same(f, torch)


def test_mark_dirty(torch):
    def f(m):
        a = _x(m)
        x = a * 1
        out = _fns(m)["AddOneInPlace"].apply(x)
        out_is_x = out is x
        (out * 2).sum().backward()
        return out_is_x, x, x.grad_fn.name(), a.grad
    same(f, torch)


def test_mark_dirty_on_leaf_raises(torch):
    same(lambda m: _fns(m)["AddOneInPlace"].apply(_x(m)), torch)


def test_set_materialize_grads_false_passes_none(torch):
    def f(m):
        x = _x(m)
        a, b = _fns(m)["Split2"].apply(x)
        a.sum().backward()
        return x.grad
    same(f, torch)


def test_materialized_grads_are_zeros(torch):
    def f(m):
        x = _x(m)
        a, b = _fns(m)["Split2Materialized"].apply(x)
        b.sum().backward()
        return x.grad
    same(f, torch)


def test_returning_input_unchanged(torch):
    def f(m):
        x = _x(m)
        y = _fns(m)["Identity"].apply(x)
        y.sum().backward()
        return y is x, x.is_leaf, y.is_leaf, y.grad_fn.name(), x.grad, y
    same(f, torch)


def test_once_differentiable(torch):
    def f(m):
        x = _x(m)
        y = _fns(m)["Once"].apply(x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        return g, g.requires_grad
    same(f, torch)

    def twice(m):
        x = _x(m)
        y = _fns(m)["Once"].apply(x).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
    same(twice, torch)


def test_wrong_number_of_gradients(torch):
    def f(m):
        x, y = _x(m), _x(m)
        _fns(m)["TooFew"].apply(x, y).sum().backward()
    same(f, torch)


def test_wrong_gradient_shape(torch):
    same(lambda m: _fns(m)["WrongShape"].apply(_x(m)).backward(), torch)


def test_broadcast_gradient_is_reduced(torch):
    def f(m):
        x = _x(m)
        _fns(m)["Broadcasting"].apply(x).sum().backward()
        return x.grad
    same(f, torch)


def test_legacy_call_error(torch):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        err = same(lambda m: _fns(m)["Cube"]()(_x(m)), torch, messages=False)
    assert str(err).startswith("Legacy autograd function with non-static forward method")


def test_non_tensor_and_no_grad_inputs(torch):
    def f(m):
        F = _fns(m)["MulAdd"]
        out = F.apply(m.ones(3), m.ones(3), 1.0)
        return out, out.requires_grad, out.grad_fn is None
    same(f, torch)


def test_no_graph_and_nothing_saved_under_no_grad():
    saved_refs = []

    class Keep(gg.autograd.Function):
        _array_forward = False

        @staticmethod
        def forward(ctx, x):
            big = x * 2
            saved_refs.append(weakref.ref(big._data))
            ctx.save_for_backward(big)
            return big + 1

        @staticmethod
        def backward(ctx, g):
            big, = ctx.saved_tensors
            return g * big

    x = gg.ones(1000, requires_grad=True)
    with gg.no_grad():
        y = Keep.apply(x)
    gc.collect()
    assert y.grad_fn is None and not y.requires_grad
    assert saved_refs[0]() is None          # the saved array is already freed

    y = Keep.apply(x)                        # recorded: the node keeps it
    gc.collect()
    assert saved_refs[1]() is not None
    y.sum().backward()
    gc.collect()
    assert saved_refs[1]() is None           # and backward frees it
    np.testing.assert_allclose(x.grad.numpy(), np.full(1000, 2.0))


def test_builtin_op_saves_nothing_under_no_grad():
    x = gg.randn(1000, requires_grad=True)
    with gg.no_grad():
        y = x.exp()
    h = weakref.ref(y._data)
    assert y.grad_fn is None
    del y
    gc.collect()
    assert h() is None


def test_ctx_is_the_grad_fn(torch):
    def f(m):
        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.tag = "kept"
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        y = Probe.apply(_x(m))
        return y.grad_fn.tag, y.grad_fn.name(), len(y.grad_fn.next_functions)
    same(f, torch)


def test_saved_tensors_after_backward_raise(torch):
    def f(m):
        x = _x(m)
        y = _fns(m)["Cube"].apply(x)
        y.sum().backward()
        return y.grad_fn.saved_tensors
    same(f, torch)
