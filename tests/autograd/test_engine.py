"""The backward engine: backward/grad arguments, accumulation, graph freeing, version
counters, higher-order gradients, hooks, graph structure and errors, compared with PyTorch.

Most tests are written once as ``fn(m)`` and run with ``m = gpugrad`` and ``m = torch``.
"""
import time
import warnings

import pytest

import gpugrad as gg
from torch_compare import same


def version(t):
    """A tensor's version counter (an int in PyTorch; a shared one-item list here)."""
    v = t._version
    return v if isinstance(v, int) else v[0]


def _leaf(m, values=(1.0, 2.0, 3.0), dtype=None):
    return m.tensor(list(values), dtype=dtype, requires_grad=True)


# ------------------------------------------------------------------ backward() arguments
def test_backward_with_gradient(torch):
    def f(m):
        x = _leaf(m)
        (x * x).backward(m.tensor([1.0, 0.5, 2.0]))
        return x.grad
    same(f, torch)


def test_backward_gradient_is_cast_to_output_dtype(torch):
    def f(m):
        x = _leaf(m)
        (x * 2).backward(m.tensor([1.0, 2.0, 3.0], dtype=m.float64))
        return x.grad
    same(f, torch)


def test_backward_gradient_errors(torch):
    same(lambda m: (_leaf(m) * 2).backward(m.ones(2)), torch)
    same(lambda m: (_leaf(m) * 2).backward(), torch)
    same(lambda m: (_leaf(m) * 2).sum().backward([1.0]), torch)
    same(lambda m: m.ones(2).sum().backward(), torch)
    same(lambda m: m.autograd.backward([_leaf(m).sum(), _leaf(m).sum()], [m.tensor(1.0)]),
         torch)


def test_backward_of_int_output_needs_float(torch):
    same(lambda m: _leaf(m).sum().to(m.int64).backward(), torch)


def test_retain_graph_allows_second_backward(torch):
    def f(m):
        x = _leaf(m)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        return first, x.grad
    same(f, torch)


def test_second_backward_after_free_raises(torch):
    def f(m):
        x = _leaf(m)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same(f, torch)


def test_grad_frees_graph_unless_retained(torch):
    def f(m):
        x = _leaf(m)
        y = x.exp().sum()
        m.autograd.grad(y, x)
        return m.autograd.grad(y, x)
    same(f, torch)


def test_freed_saved_tensors_are_released():
    x = _leaf(gg)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        node.saved_tensors
    assert node._saved is None


def test_backward_inputs_limits_accumulation(torch):
    def f(m):
        x, w = _leaf(m), _leaf(m, (0.5, -1.0, 2.0))
        h = x * w
        h.retain_grad()
        (h * h).sum().backward(inputs=[w])
        return x.grad, w.grad
    same(f, torch)


def test_backward_inputs_non_leaf(torch):
    def f(m):
        x = _leaf(m)
        h = x * 2
        (h * h).sum().backward(inputs=[h])
        return x.grad, h.grad
    same(f, torch)


def test_backward_inputs_errors(torch):
    same(lambda m: _leaf(m).sum().backward(inputs=[]), torch)
    same(lambda m: _leaf(m).sum().backward(inputs=[m.ones(2)]), torch)


def test_autograd_backward_several_roots(torch):
    def f(m):
        x = _leaf(m)
        a, b = x * 2, x.exp()
        m.autograd.backward([a, b], [m.ones(3), m.tensor([1.0, 0.0, 2.0])])
        return x.grad
    same(f, torch)


# ------------------------------------------------------------------ autograd.grad()
def test_grad_returns_and_does_not_accumulate(torch):
    def f(m):
        x = _leaf(m)
        (g,) = m.autograd.grad((x ** 3).sum(), x)
        return g, x.grad
    same(f, torch)


def test_grad_allow_unused(torch):
    def f(m):
        x, y = _leaf(m), _leaf(m)
        return m.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    same(f, torch)


def test_grad_unused_raises(torch):
    def f(m):
        x, y = _leaf(m), _leaf(m)
        return m.autograd.grad((x * 2).sum(), [x, y])
    same(f, torch)


def test_grad_materialize_grads(torch):
    def f(m):
        x, y = _leaf(m), _leaf(m)
        return m.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    same(f, torch)
    same(lambda m: m.autograd.grad((_leaf(m) * 2).sum(), _leaf(m), allow_unused=False,
                                   materialize_grads=True), torch)


def test_grad_of_input_that_does_not_require_grad(torch):
    same(lambda m: m.autograd.grad((_leaf(m) * 2).sum(), m.ones(3)), torch)


def test_grad_wrt_intermediate(torch):
    def f(m):
        x = _leaf(m)
        h = x.sin()
        y = (h * h).sum()
        return m.autograd.grad(y, [h, x])
    same(f, torch)


def test_grad_several_outputs_and_grad_outputs(torch):
    def f(m):
        x = _leaf(m)
        a, b = x * x, x.sum()
        return m.autograd.grad([a, b], x, [m.tensor([1.0, 2.0, 3.0]), m.tensor(2.0)])
    same(f, torch)


# ------------------------------------------------------------------ accumulation
def test_accumulates_into_leaves_across_calls(torch):
    def f(m):
        x = _leaf(m)
        (x * 2).sum().backward()
        (x * x).sum().backward()
        return x.grad
    same(f, torch)


def test_shared_subexpressions(torch):
    def f(m):
        x = _leaf(m)
        y = x * 2
        z = y * y + y.exp() - y.sin() * y
        w = z * x + y
        w.sum().backward()
        return x.grad
    same(f, torch)


def test_same_leaf_used_twice_in_one_op(torch):
    def f(m):
        x = _leaf(m)
        (x * x + x / x).sum().backward()
        return x.grad
    same(f, torch)


def test_grads_of_leaves_never_alias(device):
    x = gg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = gg.tensor([3.0, 4.0], requires_grad=True, device=device)
    g = gg.tensor([1.0, 1.0], device=device)
    (x + y).backward(g)
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0] and g.tolist() == [1.0, 1.0]

    x.grad = None
    (x * 1).backward(g)
    x.grad.mul_(5)
    assert g.tolist() == [1.0, 1.0]

    x.grad = None
    x.backward(g)
    x.grad.add_(1)
    assert g.tolist() == [1.0, 1.0]

    x.grad = y.grad = None
    z = x.reshape(2, 1) + y.reshape(2, 1)
    z.backward(gg.ones(2, 1, device=device))
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0]

    x.grad = y.grad = None
    keep = gg.tensor([7.0, 7.0], device=device)
    x.register_hook(lambda grad: keep)
    (x * 2).sum().backward()
    x.grad.zero_()
    assert keep.tolist() == [7.0, 7.0]


def test_long_chain_has_no_recursion_limit():
    x = gg.tensor(1.0, dtype=gg.float64, requires_grad=True)
    y = x
    start = time.perf_counter()
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert abs(x.grad.item() - 1.00001 ** 100_000) < 1e-9
    del y  # dropping a deep graph must not recurse either
    assert time.perf_counter() - start < 30


def test_long_chain_grad_and_create_graph():
    x = gg.tensor(0.5, dtype=gg.float64, requires_grad=True)
    y = x
    for _ in range(4_000):
        y = y + x * x * 5e-5
    (g,) = gg.autograd.grad(y, x, create_graph=True)
    assert abs(g.item() - 1.2) < 1e-9          # 1 + 2 * 0.5 * 5e-5 * 4000
    assert g.requires_grad
    (h,) = gg.autograd.grad(g, x)
    assert abs(h.item() - 0.4) < 1e-9


# ------------------------------------------------------------------ higher order
def test_second_and_third_derivatives(torch):
    def f(m):
        x = _leaf(m, (0.5, -1.0, 2.0))
        y = (x ** 3).sum()
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    same(f, torch)


def test_higher_order_sin(torch):
    def f(m):
        x = _leaf(m, (0.3, 1.2))
        out = []
        y = x.sin().sum()
        for _ in range(4):
            (y,) = m.autograd.grad(y, x, create_graph=True)
            out.append(y)
            y = y.sum()
        return out
    same(f, torch)


def test_higher_order_softmax_like(torch):
    def f(m):
        x = _leaf(m, (0.3, -1.2, 2.0))
        e = (x - x.max()).exp()
        p = e / e.sum()
        y = (p * m.tensor([1.0, 2.0, 3.0])).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad((g * g).sum(), x, create_graph=True)
        h.sum().backward()
        return g, h, x.grad
    same(f, torch)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_create_graph_makes_grad_differentiable(torch):
    def f(m):
        x = _leaf(m)
        (x ** 2).sum().backward(create_graph=True)
        g = x.grad
        flags = (g.requires_grad, g.is_leaf)
        (g2,) = m.autograd.grad(g.sum(), x)
        return flags, g2
    same(f, torch)


# ------------------------------------------------------------------ errors
def test_non_scalar_backward_error(torch):
    same(lambda m: (_leaf(m) * 2).backward(), torch)


def test_backward_without_grad_error(torch):
    same(lambda m: m.tensor([1.0, 2.0]).sum().backward(), torch)

    def no_grad_result(m):
        x = _leaf(m)
        with m.no_grad():
            y = x * 2
        y.sum().backward()
    same(no_grad_result, torch)


def test_requires_grad_on_integer_tensor(torch):
    same(lambda m: m.tensor([1, 2]).requires_grad_(), torch)
    same(lambda m: m.tensor([1, 2], requires_grad=True), torch)
    same(lambda m: m.zeros(2, dtype=m.int64, requires_grad=True), torch)
    same(lambda m: m.arange(3, requires_grad=True), torch)

    def attribute(m):
        t = m.tensor([True])
        t.requires_grad = True
    same(attribute, torch)


def test_changing_requires_grad_of_non_leaf(torch):
    def f(m):
        y = _leaf(m) * 2
        y.requires_grad = False
    same(f, torch)
    same(lambda m: (_leaf(m) * 2).requires_grad_(False), torch)
    same(lambda m: (_leaf(m) * 2).requires_grad_(True).is_leaf, torch)


def test_failed_backward_changes_nothing(torch):
    def f(m):
        x = _leaf(m)
        (x * 2).sum().backward()
        y = (x * x).sum()
        try:
            y.backward(m.ones(3))
        except RuntimeError:
            pass
        before = x.grad.clone()
        y.backward()                  # the graph is intact
        return before, x.grad
    same(f, torch)


def test_failed_backward_midway_leaves_grads_unchanged():
    x = _leaf(gg)
    w = _leaf(gg, (1.0, 1.0, 1.0))

    def boom(g):
        raise ValueError("hook failed")
    a = (x * 3).sum()
    b = (w * 2)
    b.register_hook(boom)
    with pytest.raises(ValueError):
        (a + b.sum()).backward()
    assert x.grad is None and w.grad is None


def test_stale_saved_tensor_detected_before_anything_runs():
    x = _leaf(gg)
    a = (x * 2).sum()
    h = x * 1
    b = (h * h).sum()
    h.add_(1)
    total = a + b
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        total.backward()
    assert x.grad is None
    a.backward()        # the part that was not stale is still there
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_failed_op_records_nothing(torch):
    def f(m):
        x = _leaf(m)
        try:
            x + m.ones(2)
        except RuntimeError as e:
            return str(e), x.grad_fn is None, version(x)
    same(f, torch)


# ------------------------------------------------------------------ .grad of non-leaves
def test_non_leaf_grad_warns_and_is_none(torch):
    def f(m):
        y = _leaf(m) * 2
        y.sum().backward()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            g = y.grad
        message = str(w[0].message).split(" (Triggered internally")[0]
        return g is None, w[0].category.__name__, message
    same(f, torch)


def test_retain_grad(torch):
    def f(m):
        x = _leaf(m)
        y = x * 2
        y.retain_grad()
        z = y.exp()
        z.retain_grad()
        z.sum().backward()
        return y.grad, z.grad, y.retains_grad, x.retains_grad
    same(f, torch)


def test_retain_grad_accumulates_and_sees_hooks(torch):
    def f(m):
        x = _leaf(m)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        return y.grad, x.grad
    same(f, torch)


def test_retain_grad_errors(torch):
    same(lambda m: m.tensor([1.0]).retain_grad(), torch)


# ------------------------------------------------------------------ hooks
def test_leaf_hook_modifies_grad(torch):
    def f(m):
        x = _leaf(m)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        x.register_hook(lambda g: g * 2)
        (x * x).sum().backward()
        return seen, x.grad
    same(f, torch)


def test_non_leaf_hook_and_remove(torch):
    def f(m):
        x = _leaf(m)
        y = x * 3
        h = y.register_hook(lambda g: g + 1)
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        h.remove()
        x.grad = None
        y.sum().backward()
        return first, x.grad
    same(f, torch)


def test_hook_errors(torch):
    same(lambda m: m.tensor([1.0]).register_hook(lambda g: g), torch)


def test_grad_fn_hooks(torch):
    def f(m):
        x = _leaf(m)
        y = x.exp()
        calls = []
        y.grad_fn.register_prehook(lambda go: calls.append(("pre", len(go))))
        y.grad_fn.register_hook(lambda gi, go: calls.append(("post", len(gi), len(go))))
        y.sum().backward()
        return calls, x.grad
    same(f, torch)


# ------------------------------------------------------------------ graph structure
def _structure(fn):
    if fn is None:
        return None
    return (fn.name(), tuple((_structure(n) if n is not None else None, i)
                             for n, i in fn.next_functions))


GRAPHS = {
    "mul_scalar": lambda m, x: x * 3,
    "rmul_scalar": lambda m, x: 3 * x,
    "add_scalar": lambda m, x: x + 3,
    "radd_scalar": lambda m, x: 3 + x,
    "sub_scalar": lambda m, x: x - 3,
    "rsub_scalar": lambda m, x: 3 - x,
    "div_scalar": lambda m, x: x / 3,
    "rdiv_scalar": lambda m, x: 3 / x,
    "pow_scalar": lambda m, x: x ** 3,
    "rpow_scalar": lambda m, x: 3 ** x,
    "pow_tensor": lambda m, x: x ** x,
    "mul_const": lambda m, x: x * m.ones(3),
    "add_tensors": lambda m, x: x + x * 2,
    "neg": lambda m, x: -x,
    "sum_exp": lambda m, x: x.exp().sum(),
    "mean": lambda m, x: x.mean(),
    "sigmoid_tanh_relu": lambda m, x: x.sigmoid().tanh().relu(),
    "where": lambda m, x: m.where(x > 1, x, 0.0),
    "cat": lambda m, x: m.cat([x, m.ones(2)]),
    "stack_self": lambda m, x: m.stack([x, x]),
    "abs_clone": lambda m, x: x.abs().clone(),
    "view": lambda m, x: x.view(3, 1),
    "reshape": lambda m, x: x.reshape(1, 3),
    "unsqueeze": lambda m, x: x.unsqueeze(0),
    "expand": lambda m, x: x.unsqueeze(0).expand(2, 3),
    "T": lambda m, x: x.unsqueeze(0).T,
    "transpose": lambda m, x: x.unsqueeze(0).transpose(0, 1),
    "double": lambda m, x: x.double(),
    "max": lambda m, x: x.max(),
    "clamp": lambda m, x: x.clamp(0, 1),
    "maximum": lambda m, x: m.maximum(x, m.ones(3)),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_grad_fn_names_and_next_functions(name, torch):
    same(lambda m: _structure(GRAPHS[name](m, _leaf(m)).grad_fn), torch)


def test_accumulate_grad_variable(torch):
    def f(m):
        x = _leaf(m)
        acc = (x * 2).grad_fn.next_functions[0][0]
        return acc.name(), acc.variable is x, acc.next_functions
    same(f, torch)


def test_leaf_flags(torch):
    def f(m):
        x = _leaf(m)
        c = m.tensor([1.0, 2.0])
        y = x * 2
        with m.no_grad():
            z = x * 2
        return [(t.is_leaf, t.requires_grad, t.grad_fn is None) for t in (x, c, y, z)]
    same(f, torch)


# ------------------------------------------------------------------ detach
def test_detach_shares_storage_and_version(torch):
    def f(m):
        x = _leaf(m)
        y = x * 2
        d = y.detach()
        d.add_(1)
        return d.requires_grad, d.is_leaf, y, d, version(y) == version(d)
    same(f, torch)


def test_detach_stale_after_inplace_on_detached(torch):
    def f(m):
        x = _leaf(m)
        y = x.exp()
        y.detach().zero_()
        y.sum().backward()
    same(f, torch)


def test_data_is_hidden_from_autograd(torch):
    def f(m):
        x = _leaf(m)
        y = x.exp()
        y.data.add_(1)                  # not seen by the version check, as in PyTorch
        y.sum().backward()
        d = x.data
        flags = (d.requires_grad, d.is_leaf, d.data_ptr() == x.data_ptr())
        x.data.mul_(3)
        x.data = m.zeros(4)
        return x.grad, version(y), flags, x, x.requires_grad
    same(f, torch)


def test_detach_in_place(torch):
    def f(m):
        x = _leaf(m)
        y = x * 2
        y.detach_()
        return y.requires_grad, y.is_leaf, y.grad_fn is None
    same(f, torch)
    same(lambda m: (_leaf(m) * 1)[:2].detach_(), torch)
    same(lambda m: m.ones(3)[:2].detach_(), torch)

    def under_no_grad(m):
        v = (_leaf(m) * 1)[:2]
        with m.no_grad():
            v.detach_()
    same(under_no_grad, torch)
    same(lambda m: _leaf(m).detach_().requires_grad, torch)


@pytest.mark.parametrize("on", ["leaf", "non-leaf"])
def test_hook_that_changes_the_shape_is_refused(on, torch):
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        t = x if on == "leaf" else x * 1
        t.register_hook(lambda g: g.sum())
        (t * 2).sum().backward()
    same(f, torch)
