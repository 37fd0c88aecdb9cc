"""The Tensor API: factories, properties, conversions, in-place methods, Python protocols and
``repr``, each expression run with gpugrad and with PyTorch and compared."""
import numpy as np
import pytest

import gpugrad as gg
from torch_compare import same

# Expressions in ``m`` (gpugrad or torch) and ``np``: results (or errors) must agree.
EXPRESSIONS = [
    # factories
    "m.tensor([[1, 2], [3, 4]])", "m.tensor([1.5, 2.0])", "m.tensor([True, False])",
    "m.tensor(3.5)", "m.tensor(7)", "m.tensor([1, 2.5, True])", "m.tensor([True, 1])",
    "m.tensor([])", "m.tensor([[1, 2], [3]])", "m.tensor([1, 2], dtype=m.float64)",
    "m.tensor(np.arange(3, dtype=np.int32))", "m.tensor(np.float32(2.5))",
    "m.tensor([m.tensor(1.0), m.tensor(2.0)])",
    "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2, 3], dtype=m.int32)", "m.ones(3)",
    "m.ones(2, dtype=m.bool)", "m.full((2,), 7)", "m.full((2,), 7.0)", "m.full((2,), True)",
    "m.full((2, 2), 1.5, dtype=m.float64)", "m.arange(5)", "m.arange(0, 1, 0.25)",
    "m.arange(1, 4, dtype=m.float64)", "m.arange(0, 5, 2)", "m.arange(5.0)",
    "m.arange(10, 0, -3)", "m.arange(0, 5, 0)", "m.linspace(0, 1, 5)",
    "m.linspace(-1, 1, 4, dtype=m.float64)", "m.eye(3)", "m.eye(2, 3)",
    "m.eye(2, dtype=m.int64)", "m.empty(2, 3).shape", "m.empty(0).shape",
    "m.zeros_like(m.ones(2, dtype=m.int32))", "m.ones_like(m.ones(2), dtype=m.float64)",
    "m.full_like(m.ones(2), 3)", "m.full_like(m.ones(2, dtype=m.int64), 3.7)",
    "m.empty_like(m.ones(2, 3)).shape", "m.zeros(2, requires_grad=True)",
    "m.randint(0, 10, (3,)).dtype", "m.randint(5, (2,)).shape", "m.rand(2, 3).dtype",
    "m.randn(2, dtype=m.float64).dtype", "m.randint(3, 1, (2,))",
    "m.rand_like(m.ones(2, dtype=m.float64)).dtype", "m.randn(2, 3).requires_grad",
    # properties
    "m.ones(2, 3).shape", "m.ones(2, 3).size()", "m.ones(2, 3).size(-1)",
    "m.ones(2, 3).size(5)", "m.ones(2, 3).ndim", "m.ones(2, 3).dim()", "m.ones(2, 3).numel()",
    "m.ones(2, 3).dtype", "m.ones(2, 3).device", "m.ones(2, 3).stride()",
    "m.ones(2, 3).t().is_contiguous()", "m.ones(2, 3).element_size()", "m.ones(2, 3).nbytes",
    "m.ones(2, 3).is_floating_point()", "m.ones(2, dtype=m.int32).is_floating_point()",
    "m.ones(2).requires_grad", "m.ones(2).grad", "m.ones(2).grad_fn", "m.ones(2).is_leaf",
    "m.Size([2, 3])", "m.Size([2, 3]).numel()", "len(m.ones(4, 2))",
    # conversion
    "m.ones(2, 3).tolist()", "m.tensor(3.0).tolist()", "m.tensor([1.5, 2.5]).int()",
    "m.tensor([-1.5, 2.5]).long()", "m.tensor([0, 2.5]).bool()", "m.ones(2).double()",
    "m.ones(2).half()", "m.ones(2).to(m.int64)", "m.ones(2).to('cpu')",
    "m.ones(2).to(m.ones(1, dtype=m.float64))", "m.ones(2).to([1])",
    "m.ones(2).to('cpu', foo=2)", "m.ones(2).to(m.float64, [1], bar=None)",
    "m.ones(2).to(a=1, b=2.0)", "m.ones(2).to(m.device('cpu'), [2])",
    "m.ones(2).to(m.ones(1), {})", "m.nn.Linear(1, 1).to(q=1)", "m.ones(2).type()", "m.ones(2).int().type()",
    "m.ones(2).type(m.float64)", "m.ones(2).float() is not None",
    "m.tensor([1.0, 2.0], requires_grad=True).numpy()",
    "m.tensor([1.0, 2.0], requires_grad=True).tolist()", "m.ones(2, 3).__array__().dtype",
    "np.asarray(m.tensor([1, 2])).tolist()", "m.tensor([1.0, 2.0]).numpy().dtype",
    # one-element protocols
    "bool(m.ones(2))", "float(m.ones(2))", "int(m.ones(2))", "m.ones(2).item()",
    "bool(m.ones(1, 1))", "float(m.tensor([2.5]))", "int(m.tensor(2.7))", "int(m.tensor(-2.7))",
    "bool(m.tensor(0.0))", "bool(m.tensor([]))", "float(m.tensor([]))", "m.tensor([4]).item()",
    "m.tensor(2.5).item()", "m.tensor(True).item()", "len(m.tensor(3.0))",
    "[1, 2, 3][m.tensor(1)]", "[1, 2, 3][m.tensor(1.0)]", "m.tensor([1, 2]).__index__()",
    "f'{m.tensor(2.5):.2f}'", "complex(m.tensor(1.5))",
    # indexing errors
    "m.ones(2)[5]", "m.tensor(2.0)[0]", "m.ones(2, 3)[0, 0, 0]",
    "m.ones(3)[m.tensor([1.5])]", "m.ones(2, 3)[:, 5]", "m.ones(3)[[0, 4]]",
    # clone / detach / requires_grad
    "m.ones(2).clone().requires_grad", "m.ones(2).requires_grad_().is_leaf",
    "m.tensor([1.0], requires_grad=True).clone().is_leaf",
    "m.tensor([1.0], requires_grad=True).detach().requires_grad",
    "m.tensor([1, 2]).requires_grad_(False).requires_grad",
    # the legacy constructor: data in the default float dtype, or sizes
    "m.Tensor([1, 2])", "m.Tensor([[1, 2]]).dtype", "m.Tensor(2, 3).shape", "m.Tensor().shape",
    "m.Tensor(np.array([1, 2]))", "m.Tensor(m.tensor([1, 2]))", "m.Tensor((2, 1))",
    "m.Tensor([True])", "m.Tensor(m.Size([2, 1])).shape", "m.Tensor(-1)", "m.Tensor(3.5)",
    "m.Tensor(2, 3.0)",
    # new_* factories take self's dtype and device unless told
    "m.ones(2).new_zeros(2, 3, dtype=m.int32)", "m.ones(2, requires_grad=True).new_zeros(2)",
    "m.ones(2, dtype=m.int32).new_tensor([1.5, 2])", "m.ones(2).new_tensor(m.ones(2))",
    "m.ones(2).new_full([2], 3, requires_grad=True)", "m.ones(2).new_full((2, 2), 3)",
    "m.ones(2, dtype=m.float64).new_ones(3)", "m.ones(2, dtype=m.float64).new_ones((3,))",
    "m.ones(2, dtype=m.float64).new_empty((3,)).dtype", "m.ones(2).new_empty(2, 2).shape",
    "m.ones(2).type_as(m.ones(2, dtype=m.float64))", "m.ones(2).type_as(m.tensor([1]))",
    # queries
    "m.tensor([1, 2]).is_signed()", "m.tensor([1, 2], dtype=m.uint8).is_signed()",
    "m.tensor([True]).is_signed()", "m.tensor([1.]).is_signed()", "m.tensor([1.]).is_complex()",
    "m.tensor([1.]).is_nonzero()", "m.tensor(0.).is_nonzero()", "m.tensor([1., 2.]).is_nonzero()",
    "m.tensor([]).is_nonzero()", "m.tensor([1.]).is_same_size(m.tensor([2.]))",
    "m.ones(2, 3).is_same_size(m.ones(3, 2))", "m.tensor([1.]).get_device()",
    # a shape sliced, joined or repeated is still a Size
    "m.ones(2, 3).shape + (1,)", "(1,) + m.ones(2, 3).shape", "m.ones(2, 3).shape[1:]",
    "m.ones(2, 3).shape[::-1]", "m.Size([2, 3]) + m.Size([1])", "m.ones(2, 3).shape * 2",
    "2 * m.ones(2, 3).shape", "m.ones(2, 3).shape + [1]", "m.ones(2, 3).shape[-1]",
    "m.ones(2, 3).shape[5]", "m.ones(6).chunk(np.int64(3))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_expression(expr, torch):
    same(lambda m: eval(expr, {"m": m, "np": np}), torch)


def test_random_fills_and_draws(torch):
    """uniform_, normal_, bernoulli(_), multinomial: ranges, dtypes and errors as PyTorch's
    (values are random; what is compared is what PyTorch fixes)."""
    def f(m):
        m.manual_seed(0)
        u = m.ones(2000).uniform_(2, 3)
        n = m.ones(2000, dtype=m.float64).normal_(5, 0.1)
        b = m.bernoulli(m.full((2000,), 0.3))
        with_repl = m.multinomial(m.tensor([1., 3.]), 2000, replacement=True)
        no_repl = m.multinomial(m.rand(5, 10), 10).sort(1).values
        return (u.dtype, bool(u.min() >= 2), bool(u.max() < 3), n.dtype,
                bool(abs(n.mean() - 5) < 0.02), b.dtype, bool(abs(b.mean() - 0.3) < 0.05),
                with_repl.dtype, bool(abs(with_repl.float().mean() - 0.75) < 0.05),
                bool((no_repl == m.arange(10)).all()),
                m.multinomial(m.tensor([0., 0., 5.]), 1), m.multinomial(m.tensor([1., 0.]), 2),
                m.bernoulli(m.tensor([0., 1.], dtype=m.float64)),
                m.bernoulli(m.tensor([0., 1.]), p=0.0), m.zeros(3).bernoulli_(1.0),
                m.zeros(3).bernoulli_(m.tensor([1., 0., 1.])),
                m.zeros(3, dtype=m.int64).bernoulli_(1.0))
    same(f, torch)
    for expr in ["m.multinomial(m.tensor([1., 2.]), 3)", "m.multinomial(m.tensor([1, 2]), 1)",
                 "m.multinomial(m.tensor([1., -2.]), 1)", "m.multinomial(m.tensor([0., 0.]), 1)",
                 "m.multinomial(m.tensor([[[0., 1.]]]), 1)",
                 "m.multinomial(m.tensor([1., 0.]), 0)", "m.bernoulli(m.tensor([0, 1]))",
                 "m.bernoulli(m.tensor([0., 2.]))", "m.zeros(2).bernoulli_(1.5)",
                 "m.zeros(2).bernoulli_(m.tensor([0.5, -1.]))",
                 "m.ones(2, requires_grad=True).uniform_()"]:
        same(lambda m: eval(expr, {"m": m}), torch)


@pytest.mark.parametrize("fill", ["uniform_()", "normal_(2, 3)", "bernoulli_(0.5)"])
def test_random_fills_cut_the_gradient(fill, torch):
    # The old value is overwritten: no gradient reaches it (zeros, as PyTorch gives).
    def f(m):
        a = m.ones(3, requires_grad=True)
        x = a * 1
        eval("x." + fill, {"x": x})
        (x * 2).sum().backward()
        return a.grad, x.requires_grad
    same(f, torch)


def test_random_fills_follow_the_seed():
    draws = []
    for _ in range(2):
        gg.manual_seed(3)
        draws.append([gg.ones(4).uniform_().tolist(), gg.ones(4).normal_().tolist(),
                      gg.multinomial(gg.ones(6), 3).tolist(), gg.bernoulli(gg.rand(4)).tolist()])
    assert draws[0] == draws[1]


def test_setitem_forms(torch):
    def f(m):
        x = m.zeros(3, 4)
        x[0] = 1.0
        x[1, 1:3] = m.tensor([2.0, 3.0])
        x[:, 3] = 4
        x[x == 0] = -1.0
        x[[2, 2], [0, 1]] = m.tensor([7.0, 8.0])
        x[m.tensor([True, False, False])] = 9.0
        x[..., 0] = x[..., 0] * 2
        return x
    same(f, torch)


def test_setitem_errors(torch):
    same(lambda m: m.zeros(3).__setitem__(5, 1.0), torch)
    same(lambda m: m.zeros(3).__setitem__(slice(0, 2), m.ones(3)), torch, messages=False)


def test_inplace_methods_return_self(torch):
    def f(m):
        x = m.ones(3)
        same_obj = [x.add_(1) is x, x.sub_(0.5) is x, x.mul_(4) is x, x.div_(2) is x,
                    x.zero_() is x, x.fill_(2) is x, x.copy_(m.arange(3.0)) is x]
        return same_obj, x
    same(f, torch)


def test_add_sub_alpha_and_int_inplace(torch):
    def f(m):
        x = m.arange(4)
        x.add_(m.ones(4, dtype=m.int64), alpha=3)
        x.sub_(1)
        y = m.ones(2, 2)
        y.add_(m.tensor([1.0, 2.0]))
        return x, y
    same(f, torch)


def test_copy_casts_and_broadcasts(torch):
    def f(m):
        x = m.zeros(2, 3, dtype=m.int32)
        x.copy_(m.tensor([1.7, 2.2, -3.9]))
        b = m.zeros(3, dtype=m.bool)
        b.copy_(m.tensor([0, 2, 0]))
        return x, b
    same(f, torch)


def test_from_numpy_shares_memory(torch):
    def f(m):
        a = np.zeros(3, np.float32)
        t = m.from_numpy(a)
        a[0] = 5
        t[1] = 7
        back = t.numpy()
        back[2] = 9
        return t, a.tolist(), t.dtype
    same(f, torch)
    same(lambda m: m.from_numpy([1, 2]), torch, messages=False)


def test_numpy_shares_memory_and_detach_shares_storage(torch):
    def f(m):
        t = m.zeros(3)
        t.numpy()[0] = 1
        d = t.detach()
        d[1] = 2
        return t
    same(f, torch)


def test_manual_seed_reproducibility():
    gg.manual_seed(123)
    a = (gg.rand(5), gg.randn(3, 2), gg.randint(0, 100, (4,)), gg.rand(2, dtype=gg.float64))
    gg.manual_seed(123)
    b = (gg.rand(5), gg.randn(3, 2), gg.randint(0, 100, (4,)), gg.rand(2, dtype=gg.float64))
    for x, y in zip(a, b):
        assert gg.equal(x, y) and x.dtype is y.dtype
    assert not gg.equal(gg.rand(5), a[0])
    g = gg.Generator().manual_seed(7)
    first = gg.randn(4, generator=g)
    g.manual_seed(7)
    assert gg.equal(first, gg.randn(4, generator=g))
    state = gg.get_rng_state()
    c = gg.rand(3)
    gg.set_rng_state(state)
    assert gg.equal(c, gg.rand(3))


def test_random_ranges():
    gg.manual_seed(0)
    u = gg.rand(1000)
    assert 0 <= u.min().item() and u.max().item() < 1
    k = gg.randint(3, 6, (1000,))
    assert set(k.tolist()) == {3, 4, 5}
    n = gg.randn(20000, dtype=gg.float64)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05


def test_tensor_on_device(device):
    t = gg.tensor([1.0, 2.0], device=device)
    assert t.device.type == device
    assert (t * 2).device.type == device
    assert gg.zeros(2, device=device).device.type == device
    assert t.cpu().device.type == "cpu"
    assert t.tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ repr
REPRS = [
    "m.tensor([1, 2, 3])", "m.tensor([1.5, 2.25, -3.0])", "m.tensor([1.0, 2.0, 3.0])",
    "m.tensor(3.5)", "m.tensor(2)", "m.tensor([True, False])", "m.tensor([])",
    "m.zeros(0, 3)", "m.zeros(2, 0, dtype=m.int32)", "m.tensor([], dtype=m.int64)",
    "m.tensor([1e10, 1.0])", "m.tensor([1e-5, 1.0])", "m.tensor([123456.789, 0.001])",
    "m.tensor([[1.0, -2.5], [3.25, 4.0]])", "m.tensor([1.0, 2.0], requires_grad=True)",
    "m.tensor([1.0, 2.0], requires_grad=True) * 2", "m.tensor([1.0, 2.0], dtype=m.float64)",
    "m.tensor([1, 2], dtype=m.int32)", "m.tensor([1.5], dtype=m.float16)",
    "m.tensor([float('nan'), float('inf'), -float('inf'), 1.5])",
    "m.tensor([float('nan'), 1.0])", "m.tensor(float('nan'))", "m.arange(12.0).reshape(3, 4)",
    "m.arange(2000)", "m.arange(2000.0)", "m.arange(3000.0).reshape(30, 100)",
    "m.tensor([0.1, 0.25])", "m.tensor([1e-10, 1e10])", "m.tensor([100.0, 1.0])",
    "m.tensor([1000.0, 1.0])", "m.tensor([1000.0, 1.5])", "m.tensor(1e-5)",
    "m.tensor(123456789.0)", "m.tensor([-0.0, 0.0])", "m.tensor([12345678.0, 1.0])",
    "m.tensor([0.00012, 1.5])", "m.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])",
    "m.tensor(True)", "m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)",
    "m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True).sum()",
    "m.arange(30.0).reshape(3, 10) * 1.5", "m.arange(50.0).reshape(5, 10) / 7",
    "m.tensor([[1e-3, 1e3]])", "m.linspace(0, 1, 7)", "m.tensor([-1, 200, 3])",
    "m.ones(3, dtype=m.bool)", "m.tensor([0.5, 1e8])", "m.tensor([1, 2], dtype=m.uint8)",
    "m.tensor([[1.0, 2.0]], requires_grad=True).t()", "m.arange(6.0).reshape(2, 3)[0]",
    "m.tensor([1.0], requires_grad=True).exp().sum()",
    "m.tensor([1.0, 2.0, 3.0], dtype=m.float64, requires_grad=True) * 1e-6",
    "m.arange(40.0) * 1234.5678", "m.Size([2, 3])", "m.tensor(0.0)", "m.zeros(3)",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr, torch):
    ours = repr(eval(expr, {"m": gg}))
    theirs = repr(eval(expr, {"m": torch})).replace("torch.", "gpugrad.")
    assert ours == theirs
    assert str(eval(expr, {"m": gg})) == ours


def test_repr_respects_default_dtype(torch):
    gg.set_default_dtype(gg.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for expr in ("m.tensor([1.5])", "m.tensor([1.5], dtype=m.float32)", "m.tensor([])"):
            assert repr(eval(expr, {"m": gg})) == \
                repr(eval(expr, {"m": torch})).replace("torch.", "gpugrad.")
    finally:
        gg.set_default_dtype(gg.float32)
        torch.set_default_dtype(torch.float32)


def test_deepcopy_and_pickle(torch):
    import copy
    import pickle

    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        c = copy.deepcopy(x)
        p = pickle.loads(pickle.dumps(x))
        return (c, c.grad, c.requires_grad, c.data_ptr() != x.data_ptr(), p, p.requires_grad,
                p.grad)
    same(f, torch)
    same(lambda m: copy.deepcopy(m.tensor([1.0], requires_grad=True) * 2), torch)
