"""Result dtypes equal PyTorch's: type promotion between tensors of each dtype, 0-d tensors
and Python scalars, for the binary ops, and the dtypes of unary ops and reductions on
integer and bool tensors."""
import itertools

import numpy as np
import pytest

import gpugrad as gg

VALUES = {"bool": [True, False, True], "int32": [1, 2, 3], "int64": [3, 1, 2],
          "float16": [0.5, 1.5, 2.5], "float32": [1.25, 0.5, 2.0],
          "float64": [2.5, 1.0, 0.25]}


def _operand(kind):
    """(gg operand, torch operand) for a kind: 'int64' (1-d), '0d:float64', 'py:2.5'."""
    torch = pytest.importorskip("torch")
    if kind.startswith("py:"):
        v = eval(kind[3:])
        return v, v
    zero_d = kind.startswith("0d:")
    name = kind[3:] if zero_d else kind
    vals = VALUES[name][0] if zero_d else VALUES[name]
    return (gg.tensor(vals, dtype=getattr(gg, name)),
            torch.tensor(vals, dtype=getattr(torch, name)))


TENSORS = list(VALUES)
ZERO_D = ["0d:bool", "0d:int32", "0d:int64", "0d:float16", "0d:float64"]
SCALARS = ["py:True", "py:2", "py:2.5"]
PAIRS = ([(a, b) for a, b in itertools.product(TENSORS, TENSORS)]
         + [(a, b) for a in TENSORS for b in ZERO_D + SCALARS]
         + [(b, a) for a in ["int32", "float16", "bool"] for b in ZERO_D + SCALARS]
         + [(a, b) for a in ZERO_D for b in ZERO_D + SCALARS])

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
}


def _run(fn, *args):
    try:
        return fn(*args), None
    except Exception as e:  # compared by type with torch's
        return None, e


def _same(ours, theirs):
    if isinstance(ours, (int, float, bool)) or isinstance(theirs, (int, float, bool)):
        assert ours == theirs
        return
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy().astype(np.float64),
                               theirs.numpy().astype(np.float64), rtol=2e-3)


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_binary_promotion(op, pair, torch):
    (ga, ta), (gb, tb) = _operand(pair[0]), _operand(pair[1])
    if not isinstance(ga, gg.Tensor) and not isinstance(gb, gg.Tensor):
        pytest.skip("no tensor operand")
    ours, our_err = _run(BINARY[op], ga, gb)
    theirs, their_err = _run(BINARY[op], ta, tb)
    if their_err is not None:
        assert our_err is not None, f"torch raised {their_err!r}, we returned {ours!r}"
        assert type(our_err) is type(their_err), (our_err, their_err)
        return
    assert our_err is None, f"we raised {our_err!r}, torch gave {theirs!r}"
    _same(ours, theirs)


FUNCTIONS = {
    "maximum": lambda m, a, b: m.maximum(a, b),
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
    "cat": lambda m, a, b: m.cat([a, b]),
    "matmul": lambda m, a, b: m.matmul(a, b),
}


@pytest.mark.parametrize("op", list(FUNCTIONS))
@pytest.mark.parametrize("pair", [(a, b) for a in TENSORS for b in TENSORS if a != b],
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_function_promotion(op, pair, torch):
    (ga, ta), (gb, tb) = _operand(pair[0]), _operand(pair[1])
    ours, our_err = _run(FUNCTIONS[op], gg, ga, gb)
    theirs, their_err = _run(FUNCTIONS[op], torch, ta, tb)
    if their_err is not None:
        assert our_err is not None, f"torch raised {their_err!r}, we returned {ours!r}"
        return
    assert our_err is None, f"we raised {our_err!r}, torch gave {theirs!r}"
    _same(ours, theirs)


@pytest.mark.parametrize("pair", [(a, b) for a in ["int64", "float32", "bool"]
                                  for b in ["py:True", "py:2", "py:2.5", "0d:float64"]],
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_where_scalar_promotion(pair, torch):
    (ga, ta), (gb, tb) = _operand(pair[0]), _operand(pair[1])
    ours = gg.where(gg.tensor([True, False, True]), ga, gb)
    theirs = torch.where(torch.tensor([True, False, True]), ta, tb)
    _same(ours, theirs)
    _same(gg.where(gg.tensor([True, False, True]), gb, ga),
          torch.where(torch.tensor([True, False, True]), tb, ta))


UNARY = {
    "neg": lambda m, a: -a, "abs": lambda m, a: m.abs(a), "exp": lambda m, a: m.exp(a),
    "log": lambda m, a: m.log(a), "sqrt": lambda m, a: m.sqrt(a),
    "sin": lambda m, a: m.sin(a), "tanh": lambda m, a: m.tanh(a),
    "sigmoid": lambda m, a: m.sigmoid(a), "relu": lambda m, a: m.relu(a),
    "sign": lambda m, a: m.sign(a), "floor": lambda m, a: m.floor(a),
    "round": lambda m, a: m.round(a), "square": lambda m, a: m.square(a),
    "reciprocal": lambda m, a: m.reciprocal(a), "rsqrt": lambda m, a: m.rsqrt(a),
    "clamp_int": lambda m, a: m.clamp(a, 0, 2), "clamp_float": lambda m, a: m.clamp(a, 0.5),
    "sum": lambda m, a: a.sum(), "sum_dim": lambda m, a: a.sum(0),
    "prod": lambda m, a: a.prod(), "cumsum": lambda m, a: a.cumsum(0),
    "cumprod": lambda m, a: a.cumprod(0), "mean": lambda m, a: a.mean(),
    "max": lambda m, a: a.max(), "amax": lambda m, a: a.amax(0),
    "argmax": lambda m, a: a.argmax(), "norm": lambda m, a: a.norm(),
    "var": lambda m, a: a.var(), "logsumexp": lambda m, a: m.logsumexp(a, 0),
    "sum_dtype": lambda m, a: a.sum(dtype=m.float64), "flip": lambda m, a: a.flip(0),
}


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float16", "float64"])
@pytest.mark.parametrize("op", list(UNARY))
def test_unary_dtype(op, dtype, torch):
    ga, ta = _operand(dtype)
    ours, our_err = _run(UNARY[op], gg, ga)
    theirs, their_err = _run(UNARY[op], torch, ta)
    if their_err is not None:
        assert our_err is not None, f"torch raised {their_err!r}, we returned {ours!r}"
        assert type(our_err) is type(their_err), (our_err, their_err)
        return
    assert our_err is None, f"we raised {our_err!r}, torch gave {theirs!r}"
    _same(ours, theirs)


def test_default_dtype_changes_scalar_promotion(torch):
    gg.set_default_dtype(gg.float64)
    try:
        assert (gg.tensor([1, 2]) * 0.5).dtype is gg.float64
        assert gg.tensor([1.0]).dtype is gg.float64
        assert (gg.tensor([1.0], dtype=gg.float32) * 0.5).dtype is gg.float32
        assert gg.arange(0.0, 1.0, 0.5).dtype is gg.float64
    finally:
        gg.set_default_dtype(gg.float32)
    assert gg.tensor([1.0]).dtype is gg.float32
