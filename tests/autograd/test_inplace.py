"""In-place ops: leaf rules, version counters, recording on non-leaves and on views (the base's
history is rewritten, as PyTorch's CopySlices), each compared with PyTorch."""
import pytest

import gpugrad as gg
from torch_compare import same


def version(t):
    v = t._version
    return v if isinstance(v, int) else v[0]


def _leaf(m, values=((1.0, -2.0, 3.0), (0.5, 4.0, -1.0))):
    return m.tensor([list(r) for r in values], requires_grad=True)


INPLACE_ON_LEAF = {
    "add_": lambda x: x.add_(1),
    "sub_": lambda x: x.sub_(1),
    "mul_": lambda x: x.mul_(2),
    "div_": lambda x: x.div_(2),
    "iadd": lambda x: x.__iadd__(1),
    "zero_": lambda x: x.zero_(),
    "fill_": lambda x: x.fill_(3),
    "copy_": lambda x: x.copy_(x.detach() * 2),
    "clamp_": lambda x: x.clamp_(0, 1),
    "exp_": lambda x: x.exp_(),
    "setitem": lambda x: x.__setitem__(0, 1.0),
    "setitem_mask": lambda x: x.__setitem__(x.detach() > 0, 0.0),
}


@pytest.mark.parametrize("op", list(INPLACE_ON_LEAF))
def test_inplace_on_leaf_requiring_grad_raises(op, torch):
    def f(m):
        x = _leaf(m)
        try:
            INPLACE_ON_LEAF[op](x)
        except RuntimeError as e:
            return str(e), version(x), x
    same(f, torch)


@pytest.mark.parametrize("op", list(INPLACE_ON_LEAF))
def test_inplace_on_leaf_allowed_under_no_grad(op, torch):
    def f(m):
        x = _leaf(m)
        with m.no_grad():
            out = INPLACE_ON_LEAF[op](x)
        return x, x.is_leaf, x.grad_fn is None, version(x), out is x or out is None
    same(f, torch)


def test_view_of_leaf_inplace_raises(torch):
    def f(m):
        x = _leaf(m)
        x[0].mul_(2)
    same(f, torch)


def test_optimizer_style_update(torch):
    def f(m):
        w = _leaf(m)
        (w * w).sum().backward()
        with m.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        return w, w.grad, w.is_leaf, w.requires_grad
    same(f, torch)


# ------------------------------------------------------------------ non-leaf, recorded
NONLEAF_PROGRAMS = {
    "add_": lambda m, a: (a * 2).add_(a),
    "mul_scalar": lambda m, a: (a * 1).mul_(3),
    "mul_tensor": lambda m, a: (a + 1).mul_(a),
    "sub_alpha": lambda m, a: (a * 1).sub_(a.exp(), alpha=2),
    "div_": lambda m, a: (a * 2).div_(a.abs() + 1),
    "iadd_chain": lambda m, a: _iadd_chain(a),
    "broadcast": lambda m, a: (a * 1).add_(a[0]),
    "exp_": lambda m, a: (a * 1).exp_(),
    "sigmoid_": lambda m, a: (a * 2).sigmoid_(),
    "clamp_": lambda m, a: (a * 2).clamp_(-1, 1),
    "zero_": lambda m, a: (a * 2).zero_() + a,
    "fill_": lambda m, a: (a * 2).fill_(2.0) * a,
    "copy_": lambda m, a: (a * 2).copy_(a.exp()),
    "copy_broadcast": lambda m, a: (a * 2).copy_(a[1]),
    "setitem_int": lambda m, a: _set(a * 1, 0, 5.0),
    "setitem_slice": lambda m, a: _set(a * 1, (slice(None), slice(1, None)), 0.0),
    "setitem_mask": lambda m, a: _set(a * 1, a > 0, 0.0),
    "setitem_tensor": lambda m, a: _set(a * 1, (0, [0, 2]), a[1, :2] * 10),
    "setitem_index_list": lambda m, a: _set(a * 1, [1, 0], a.flip(0)),
    "brief_example": lambda m, a: _brief(a),
    "view_mul": lambda m, a: _view_then(a, lambda v: v.mul_(2)),
    "view_add_tensor": lambda m, a: _view_then(a, lambda v: v.add_(a[0])),
    "view_setitem": lambda m, a: _view_then(a, lambda v: v.__setitem__(0, 7.0)),
    "view_of_view": lambda m, a: _view_of_view(a),
    "transpose_view": lambda m, a: _transpose_view(a),
    "reshape_view": lambda m, a: _reshape_view(a),
    "base_then_view": lambda m, a: _base_then_view(a),
    "saved_input_after_inplace": lambda m, a: _saved_input(a),
}


def _set(x, idx, value):
    x[idx] = value
    return x


def _iadd_chain(a):
    x = a * 1
    x += 1
    x *= a
    x -= 2
    x /= 4
    return x


def _brief(a):
    x = a * 1
    x[0] = 5
    v = x[:, 1]
    v.mul_(2)
    return x * a


def _view_then(a, op):
    x = a.sin() * 1     # nothing saved that the in-place change would make stale
    v = x[1]
    op(v)
    return x * 2 + v.sum()


def _view_of_view(a):
    x = a * 3
    v = x[:, 1:]
    w = v[0]
    w.mul_(a[1, :2])
    return x, v, w


def _transpose_view(a):
    x = a * 1
    t = x.t()
    t[0] = t[1] * 2
    return x


def _reshape_view(a):
    x = a.sin()
    r = x.view(-1)
    r[1:3] *= 4
    return x.exp()


def _base_then_view(a):
    x = a * 2
    v = x[0]
    x.mul_(a)
    return v * 3, x


def _saved_input(a):
    x = a * 1
    y = x + 1          # add saves nothing: the in-place change below is fine
    x.mul_(2)
    return y, x


@pytest.mark.parametrize("name", list(NONLEAF_PROGRAMS))
def test_inplace_on_non_leaf_gradients(name, torch):
    def f(m):
        a = _leaf(m)
        out = NONLEAF_PROGRAMS[name](m, a)
        outs = out if isinstance(out, tuple) else (out,)
        total = sum((o * (i + 1)).sum() for i, o in enumerate(outs))
        total.backward()
        return outs, a.grad, [o.grad_fn is not None for o in outs]
    same(f, torch)


@pytest.mark.parametrize("name", list(NONLEAF_PROGRAMS))
def test_inplace_on_non_leaf_gradcheck(name):
    a = gg.randn(2, 3, dtype=gg.float64, requires_grad=True)
    gg.autograd.gradcheck(lambda a: NONLEAF_PROGRAMS[name](gg, a), (a,))


def test_inplace_grad_fn_names(torch):
    def f(m):
        a = _leaf(m)
        x = a * 1
        x.add_(1)
        n1 = x.grad_fn.name()
        x[0] = 2.0
        n2 = x.grad_fn.name()
        return n1, n2, x.is_leaf
    same(f, torch)


def test_retain_grad_and_hooks_across_inplace(torch):
    def f(m):
        a = _leaf(m)
        x = a * 1
        x.retain_grad()
        seen = []
        x.register_hook(lambda g: seen.append(g))     # stays with the old node
        x.mul_(2)
        (x * 3).sum().backward()
        return x.grad, seen, a.grad
    same(f, torch)


def test_setitem_value_requiring_grad_into_plain_tensor(torch):
    def f(m):
        w = m.tensor([2.0, 3.0], requires_grad=True)
        buf = m.zeros(4)
        buf[1:3] = w * w
        flags = (buf.requires_grad, buf.is_leaf)
        (buf * m.arange(4.0)).sum().backward()
        return flags, buf, w.grad
    same(f, torch)


def test_copy_into_plain_tensor_from_tensor_requiring_grad(torch):
    def f(m):
        w = m.tensor([2.0, 3.0], requires_grad=True)
        buf = m.zeros(2, dtype=m.float64)
        buf.copy_(w)
        buf.sum().backward()
        return buf, w.grad, buf.dtype
    same(f, torch)


# ------------------------------------------------------------------ version counters
def test_version_counter_bumps(torch):
    def f(m):
        x = m.ones(3)
        v = x[1:]
        seen = [version(x)]
        x.add_(1)
        seen.append(version(x))
        v.mul_(2)
        seen += [version(x), version(v)]
        x[0] = 5
        seen.append(version(x))
        x.detach().zero_()
        seen.append(version(x))
        return seen
    same(f, torch)


def test_modified_saved_output_raises(torch):
    def f(m):
        a = _leaf(m)
        y = a.exp()
        y.add_(1)
        y.sum().backward()
    same(f, torch)


def test_modified_saved_input_raises(torch):
    def f(m):
        a = _leaf(m)
        x = a * 1
        y = x * x
        x.add_(1)
        y.sum().backward()
    same(f, torch)


def test_modified_leaf_under_no_grad_raises_at_backward(torch):
    def f(m):
        a = _leaf(m)
        y = (a * a).sum()
        with m.no_grad():
            a.mul_(2)
        y.backward()
    same(f, torch)


def test_modified_through_view_raises(torch):
    def f(m):
        a = _leaf(m)
        y = a.sigmoid()
        y.view(3, 2).mul_(2)
        y.sum().backward()
    same(f, torch)


def test_modified_custom_function_output_raises(torch):
    def f(m):
        class MyExp(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                y, = ctx.saved_tensors
                return g * y
        a = _leaf(m)
        y = MyExp.apply(a)
        y.add_(1)
        y.sum().backward()
    same(f, torch)


def test_view_created_in_no_grad_modified_with_grad(torch):
    def f(m):
        a = _leaf(m)
        x = a * 1
        with m.no_grad():
            v = x[0]
        v.mul_(2)
    same(f, torch)


# ------------------------------------------------------------------ errors
def test_inplace_dtype_errors(torch):
    same(lambda m: m.tensor([1, 2]).add_(1.5), torch)
    same(lambda m: m.tensor([1, 2]).mul_(m.tensor([1.5, 2.0])), torch)
    same(lambda m: m.tensor([1, 2]).div_(2), torch)
    same(lambda m: m.tensor([1.0, 2.0]).add_(m.ones(2, 2)), torch)


def test_failed_inplace_changes_nothing(torch):
    def f(m):
        x = m.tensor([1.0, 2.0]) * 1
        try:
            x.add_(m.ones(3))
        except RuntimeError:
            pass
        return x, version(x)
    same(f, torch, messages=False)


def test_inplace_int_ops(torch):
    def f(m):
        x = m.tensor([1, 2, 3])
        x.add_(2)
        x.mul_(m.tensor([1, 0, 2]))
        x[1] = 7
        x.sub_(True)
        return x
    same(f, torch)
