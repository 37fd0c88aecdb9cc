"""Property tests for shape and indexing ops: random shapes (0-d, size-0 and size-1 dims) and
random arguments for each (target shapes, dims, index expressions with ints, slices, None,
Ellipsis, integer arrays with repeats and bool masks). Forward against NumPy, outcome and
gradients against PyTorch, float64 gradients against central differences."""
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gpugrad as gg

from _fuzz import (FLOATS, arrays, assert_close, fuzz, leaf, same_as_torch, shapes,
                   smooth_values)


def _dim(draw, ndim):
    n = max(ndim, 1)
    return draw(st.integers(-n, n - 1))


def _raise(error):
    raise error


def _axis(d, ndim):
    return d % max(ndim, 1)


def _factor_shape(draw, n):
    """A random shape with ``n`` elements, maybe with one -1."""
    if n == 0:
        dims = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3).filter(lambda s: 0 in s))
    else:
        dims, left = [], n
        for p in (2, 2, 3, 2, 5, 7, 3):
            while left % p == 0 and draw(st.booleans()):
                dims.append(p)
                left //= p
        dims.append(left)
        dims = [d for d in draw(st.permutations(dims))]
        dims += [1] * draw(st.integers(0, 1))
    if n and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


def _split_ref(p, x):
    size, d = p
    a = _axis(d, x.ndim)
    n = x.shape[a]
    cuts = list(range(size, n, size))
    return tuple(np.split(x, cuts, axis=a)) if n else (x,)


@dataclass
class Case:
    """``draw(draw, shape) -> (shapes, params)``: the input shapes and the op's arguments;
    ``fn(m, p, *tensors)`` on gpugrad or torch; ``ref(p, *arrays)`` NumPy's answer."""
    name: str
    draw: object
    fn: object
    ref: object
    grad: bool = True


def _one(fn):
    """A case whose single input has the drawn shape; ``fn(draw, shape)`` gives params."""
    def draw_case(draw, shape):
        return [shape], fn(draw, shape)
    return draw_case


def _cat_case(draw, shape):
    nd = max(len(shape), 1)
    d = draw(st.integers(-nd, nd - 1)) if shape else 0
    shape = shape or (1,)
    a = _axis(d, len(shape))
    k = draw(st.integers(1, 3))
    shapes_ = [shape[:a] + (draw(st.integers(0, 3)),) + shape[a + 1:] for _ in range(k)]
    return shapes_, d


def _stack_case(draw, shape):
    d = draw(st.integers(-len(shape) - 1, len(shape)))
    return [shape] * draw(st.integers(1, 3)), d


def _broadcast_target(draw, shape):
    extra = tuple(draw(st.lists(st.integers(0, 3), max_size=2)))
    return extra + tuple(draw(st.sampled_from([1, 2])) if s == 1 else s for s in shape)


def _perm(draw, shape):
    return tuple(draw(st.permutations(range(len(shape)))))


def _flatten_args(draw, shape):
    n = len(shape)
    a = draw(st.integers(-max(n, 1), max(n, 1) - 1))
    b = draw(st.integers(-max(n, 1), max(n, 1) - 1))
    assume(_axis(a, n) <= _axis(b, n))
    return a, b


def _unflatten_args(draw, shape):
    assume(shape)
    d = _dim(draw, len(shape))
    n = shape[_axis(d, len(shape))]
    sizes = _factor_shape(draw, n)
    assume(n or -1 not in sizes)
    return d, sizes


def _narrow_args(draw, shape):
    assume(shape)
    d = _dim(draw, len(shape))
    n = shape[_axis(d, len(shape))]
    start = draw(st.integers(-n, n)) if n else 0
    s = start % n if n and start < 0 else start
    return d, start, draw(st.integers(0, n - s))


def _np_flatten(p, x):
    a, b = (_axis(v, x.ndim) for v in p)
    if x.ndim == 0:
        return x.reshape(1)
    return x.reshape(x.shape[:a] + (math.prod(x.shape[a:b + 1]),) + x.shape[b + 1:])


def _np_unflatten(p, x):
    d, sizes = p
    a = _axis(d, x.ndim)
    if -1 in sizes:  # NumPy cannot infer -1 for an empty array; spell it out
        known = math.prod(v for v in sizes if v != -1)
        sizes = tuple(x.shape[a] // known if v == -1 else v for v in sizes)
    return x.reshape(x.shape[:a] + sizes + x.shape[a + 1:])


def _np_narrow(p, x):
    d, start, length = p
    a = _axis(d, x.ndim)
    n = x.shape[a]
    s = start + n if start < 0 else start
    return np.take(x, range(s, s + length), axis=a)


SHAPE_CASES = [
    Case("reshape", _one(lambda draw, s: _factor_shape(draw, math.prod(s))),
         lambda m, p, x: x.reshape(p), lambda p, x: x.reshape(p)),
    Case("view", _one(lambda draw, s: _factor_shape(draw, math.prod(s))),
         lambda m, p, x: x.view(p), lambda p, x: x.reshape(p)),
    Case("flatten", _one(_flatten_args), lambda m, p, x: m.flatten(x, *p), _np_flatten),
    Case("unflatten", _one(_unflatten_args), lambda m, p, x: m.unflatten(x, *p),
         _np_unflatten),
    Case("transpose", _one(lambda draw, s: (_dim(draw, len(s)), _dim(draw, len(s)))),
         lambda m, p, x: m.transpose(x, *p),
         lambda p, x: np.swapaxes(x, *(_axis(d, x.ndim) for d in p)) if x.ndim else x),
    Case("permute", _one(_perm), lambda m, p, x: x.permute(p), lambda p, x: x.transpose(p)),
    Case("movedim", _one(lambda draw, s: (_dim(draw, len(s)), _dim(draw, len(s)))),
         lambda m, p, x: m.movedim(x, *p),
         lambda p, x: np.moveaxis(x, *(_axis(d, x.ndim) for d in p)) if x.ndim else x),
    Case("t", _one(lambda draw, s: assume(len(s) <= 2)), lambda m, p, x: x.t(),
         lambda p, x: x.T),
    Case("squeeze", _one(lambda draw, s: None), lambda m, p, x: x.squeeze(),
         lambda p, x: np.squeeze(x)),
    Case("squeeze_dim", _one(lambda draw, s: _dim(draw, len(s))),
         lambda m, p, x: x.squeeze(p),
         lambda p, x: np.squeeze(x, _axis(p, x.ndim)) if x.ndim and
         x.shape[_axis(p, x.ndim)] == 1 else x),
    Case("unsqueeze", _one(lambda draw, s: draw(st.integers(-len(s) - 1, len(s)))),
         lambda m, p, x: x.unsqueeze(p),
         lambda p, x: np.expand_dims(x, p % (x.ndim + 1))),
    Case("expand", _one(_broadcast_target), lambda m, p, x: x.expand(p),
         lambda p, x: np.broadcast_to(x, p)),
    Case("broadcast_to", _one(_broadcast_target), lambda m, p, x: m.broadcast_to(x, p),
         lambda p, x: np.broadcast_to(x, p)),
    Case("cat", _cat_case, lambda m, p, *xs: m.cat(list(xs), p),
         lambda p, *xs: np.concatenate([x.reshape(-1) if x.ndim == 0 else x for x in xs],
                                       _axis(p, max(xs[0].ndim, 1)))),
    Case("stack", _stack_case, lambda m, p, *xs: m.stack(list(xs), p),
         lambda p, *xs: np.stack(xs, p % (xs[0].ndim + 1))),
    Case("split", _one(lambda draw, s: (draw(st.integers(1, 3)), _dim(draw, len(s)))),
         lambda m, p, x: m.split(x, *p), _split_ref),
    Case("chunk", _one(lambda draw, s: (draw(st.integers(1, 4)), _dim(draw, len(s)))),
         lambda m, p, x: m.chunk(x, *p), None),
    Case("unbind", _one(lambda draw, s: _dim(draw, len(s))), lambda m, p, x: m.unbind(x, p),
         lambda p, x: tuple(np.moveaxis(x, _axis(p, x.ndim), 0))),
    Case("flip", _one(lambda draw, s: tuple(draw(st.lists(
        st.integers(0, max(len(s) - 1, 0)), unique=True, max_size=max(len(s), 1))))),
        lambda m, p, x: m.flip(x, p),
        lambda p, x: np.flip(x, p) if x.ndim else x),
    Case("repeat", _one(lambda draw, s: tuple(draw(st.lists(st.integers(0, 2),
                                                            min_size=len(s), max_size=4)))),
         lambda m, p, x: x.repeat(*p) if p else x.repeat(()),
         lambda p, x: np.tile(x, p) if p else x),
    Case("repeat_interleave", _one(lambda draw, s: (draw(st.integers(0, 3)),
                                                   draw(st.none() | st.integers(
                                                       -max(len(s), 1), max(len(s), 1) - 1)))),
         lambda m, p, x: m.repeat_interleave(x, p[0], dim=p[1]),
         lambda p, x: np.repeat(x, p[0], axis=None if p[1] is None else _axis(p[1], x.ndim))
         if x.ndim or p[1] is None else _raise(IndexError)),
    Case("narrow", _one(_narrow_args), lambda m, p, x: m.narrow(x, *p), _np_narrow),
]


# --------------------------------------------------------------------------- indexing
@st.composite
def basic_index(draw, shape):
    """A basic index tuple (ints, slices with positive steps, None, Ellipsis) for shape."""
    items, dim = [], 0
    used_ellipsis = False
    while dim < len(shape) and draw(st.booleans()):
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis"]))
        n = shape[dim]
        if kind == "int" and n:
            items.append(draw(st.integers(-n, n - 1)))
            dim += 1
        elif kind == "slice":
            lo = draw(st.none() | st.integers(-n - 1, n + 1))
            hi = draw(st.none() | st.integers(-n - 1, n + 1))
            items.append(slice(lo, hi, draw(st.none() | st.integers(1, 3))))
            dim += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            dim = len(shape) - draw(st.integers(0, len(shape) - dim))
    if not items and draw(st.booleans()):
        items.append(Ellipsis if draw(st.booleans()) else None)
    return tuple(items)


@st.composite
def advanced_index(draw, shape):
    """One integer index array (negative and repeated entries allowed) or a bool mask on
    a leading dim, mixed with a basic item before or after it."""
    assume(shape)
    n = shape[0]
    used = 1
    if draw(st.booleans()) and n:
        idx = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=5)),
                       dtype=np.int64)
        if draw(st.booleans()):
            idx = idx.reshape(-1, 1) if idx.size else idx
    else:
        k = used = draw(st.integers(1, len(shape)))
        idx = np.array(draw(st.lists(st.booleans(), min_size=math.prod(shape[:k]),
                                     max_size=math.prod(shape[:k]))), bool).reshape(shape[:k])
    rest = ()
    if used < len(shape) and draw(st.booleans()):
        rest = (slice(None, None, draw(st.integers(1, 2))),)
    return (idx,) + rest


def _as_index(m, index):
    return tuple(m.tensor(i) if m is not np and isinstance(i, np.ndarray) else i
                 for i in index)


def _np_getitem(p, x):
    return x[p]


def _setitem(m, p, x, v):
    """``y = x * 1; y[p] = v``: gradients reach x outside p and v through the broadcast."""
    y = x * 1
    y[_as_index(m, p)] = v
    return y


def _np_setitem(p, x, v):
    y = x.copy()
    y[p] = v
    return y


def _setitem_case(index_strategy):
    def draw_case(draw, shape):
        p = draw(index_strategy(shape))
        target = np.zeros(shape)[p].shape
        assume(not any(isinstance(i, np.ndarray) and i.dtype == np.int64 and
                       len(set(i.reshape(-1) % max(shape[0], 1))) != i.size for i in p))
        vshape = target[draw(st.integers(0, len(target))):]
        vshape = tuple(1 if draw(st.booleans()) else s for s in vshape)
        return [shape, vshape], p
    return draw_case


def _dim_index(draw, shape, unique=False):
    assume(shape)
    d = _dim(draw, len(shape))
    n = shape[_axis(d, len(shape))]
    assume(n)
    k = draw(st.integers(0, 4))
    values = st.lists(st.integers(0, n - 1), min_size=0, max_size=min(k, n) if unique else k,
                      unique=unique)
    return d, np.array(draw(values), dtype=np.int64)


def _gather_case(draw, shape):
    assume(shape and all(shape))
    d = _dim(draw, len(shape))
    a = _axis(d, len(shape))
    ishape = tuple(draw(st.integers(0, s)) if i != a else draw(st.integers(0, 4))
                   for i, s in enumerate(shape))
    idx = np.array(draw(st.lists(st.integers(0, shape[a] - 1), min_size=math.prod(ishape),
                                 max_size=math.prod(ishape))), dtype=np.int64).reshape(ishape)
    return [shape], (d, idx)


def _index_add_case(draw, shape):
    d, idx = _dim_index(draw, shape, unique=False)
    a = _axis(d, len(shape))
    return [shape, shape[:a] + (idx.size,) + shape[a + 1:]], (d, idx)


def _index_copy_case(draw, shape):
    d, idx = _dim_index(draw, shape, unique=True)
    a = _axis(d, len(shape))
    return [shape, shape[:a] + (idx.size,) + shape[a + 1:]], (d, idx)


def _mask_case(draw, shape):
    k = draw(st.integers(0, len(shape)))
    mshape = tuple(1 if draw(st.booleans()) else s for s in shape[k:])
    mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(mshape),
                                  max_size=math.prod(mshape))), bool).reshape(mshape)
    return [shape], mask


def _topk_case(draw, shape):
    assume(shape)
    d = _dim(draw, len(shape))
    n = shape[_axis(d, len(shape))]
    return [shape], (draw(st.integers(0, n)), d, draw(st.booleans()))


def _np_gather(p, x):
    d, idx = p
    a = _axis(d, x.ndim)
    # gather reads x only where the index reaches (no broadcasting, unlike NumPy's).
    x = x[tuple(slice(None) if i == a else slice(0, n) for i, n in enumerate(idx.shape))]
    return np.take_along_axis(x, idx, a)


def _np_index_add(p, x, s):
    d, idx = p
    y = np.moveaxis(x.copy(), _axis(d, x.ndim), 0)
    np.add.at(y, idx, np.moveaxis(s, _axis(d, x.ndim), 0))
    return np.moveaxis(y, 0, _axis(d, x.ndim))


def _np_index_copy(p, x, s):
    d, idx = p
    y = np.moveaxis(x.copy(), _axis(d, x.ndim), 0)
    y[idx] = np.moveaxis(s, _axis(d, x.ndim), 0)
    return np.moveaxis(y, 0, _axis(d, x.ndim))


def _np_topk(p, x):
    k, d, largest = p
    a = _axis(d, x.ndim)
    s = np.sort(x, axis=a)
    if largest:
        s = np.flip(s, a)
    return np.take(s, range(k), axis=a)


def _t(m, a):
    return m.tensor(a) if isinstance(a, np.ndarray) else a


INDEX_CASES = [
    Case("getitem_basic", _one(lambda draw, s: draw(basic_index(s))),
         lambda m, p, x: x[p], _np_getitem),
    Case("getitem_advanced", _one(lambda draw, s: draw(advanced_index(s))),
         lambda m, p, x: x[_as_index(m, p)], _np_getitem),
    Case("setitem_basic", _setitem_case(basic_index), _setitem, _np_setitem),
    Case("setitem_advanced", _setitem_case(advanced_index), _setitem, _np_setitem),
    Case("gather", _gather_case, lambda m, p, x: m.gather(x, p[0], _t(m, p[1])), _np_gather),
    Case("take_along_dim", _gather_case,
         lambda m, p, x: m.take_along_dim(x, _t(m, p[1]), p[0]), None),
    Case("index_select", _one(lambda draw, s: _dim_index(draw, s)),
         lambda m, p, x: m.index_select(x, p[0], _t(m, p[1])),
         lambda p, x: np.take(x, p[1], axis=_axis(p[0], x.ndim))),
    Case("index_add", _index_add_case,
         lambda m, p, x, s: m.index_add(x, p[0], _t(m, p[1]), s), _np_index_add),
    Case("index_copy", _index_copy_case,
         lambda m, p, x, s: m.index_copy(x, p[0], _t(m, p[1]), s), _np_index_copy),
    Case("scatter_add", lambda draw, s: _scatter_case(draw, s),
         lambda m, p, x, s: m.scatter_add(x, p[0], _t(m, p[1]), s), None),
    Case("masked_fill", _mask_case, lambda m, p, x: m.masked_fill(x, _t(m, p), -2.5),
         lambda p, x: np.where(p, -2.5, x)),
    Case("masked_select", _mask_case, lambda m, p, x: m.masked_select(x, _t(m, p)),
         lambda p, x: np.broadcast_to(x, np.broadcast_shapes(x.shape, p.shape))[
             np.broadcast_to(p, np.broadcast_shapes(x.shape, p.shape))]),
    Case("take", _one(lambda draw, s: np.array(draw(st.lists(
        st.integers(-max(math.prod(s), 1), max(math.prod(s), 1) - 1), max_size=5)),
        dtype=np.int64) if math.prod(s) else np.zeros(0, np.int64)),
        lambda m, p, x: m.take(x, _t(m, p)), lambda p, x: x.reshape(-1)[p]),
    Case("sort", _one(lambda draw, s: (_dim(draw, len(s)), draw(st.booleans()))),
         lambda m, p, x: m.sort(x, p[0], descending=p[1]).values,
         lambda p, x: (np.flip(np.sort(x, _axis(p[0], x.ndim)), _axis(p[0], x.ndim)) if p[1]
                       else np.sort(x, _axis(p[0], x.ndim))) if x.ndim else x),
    Case("topk", _topk_case, lambda m, p, x: m.topk(x, p[0], p[1], largest=p[2]).values,
         _np_topk),
    Case("nonzero", _one(lambda draw, s: None), lambda m, p, x: m.nonzero(x > 0),
         lambda p, x: np.argwhere(x > 0), grad=False),
]


def _scatter_case(draw, shape):
    shapes_, (d, idx) = _gather_case(draw, shape)
    return [shape, idx.shape], (d, idx)


ALL = SHAPE_CASES + INDEX_CASES
_IDS = [c.name for c in ALL]
_GRAD = [c for c in ALL if c.grad]


@st.composite
def cases(draw, case, max_numel=24):
    shape = draw(shapes(max_dims=3, max_side=3, max_numel=max_numel))
    in_shapes, p = case.draw(draw, shape)
    return in_shapes, p


@pytest.mark.parametrize("case", ALL, ids=_IDS)
@fuzz(30)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_forward_matches_numpy(case, device, data, dtype):
    in_shapes, p = data.draw(cases(case))
    xs = [data.draw(arrays(dtype, s)) for s in in_shapes]
    if case.ref is None:
        return      # covered by the torch comparison below
    try:
        ref = case.ref(p, *xs)
    except (ValueError, IndexError, TypeError):
        return      # NumPy has no answer here (0-d split, say): the torch comparison judges
    out = case.fn(gg, p, *[gg.tensor(x, device=device) for x in xs])
    if isinstance(ref, tuple):
        assert isinstance(out, (tuple, list)) and len(out) == len(ref), case.name
        for o, r in zip(out, ref):
            assert_close(o, r, dtype, case.name)
    else:
        assert_close(out, np.asarray(ref), dtype, case.name)


@pytest.mark.parametrize("case", ALL, ids=_IDS)
@fuzz(30)
@given(data=st.data())
def test_matches_torch_with_grads(case, device, data):
    """Outcome (errors included), values and gradients, ties and repeated indices included."""
    torch = pytest.importorskip("torch")
    in_shapes, p = data.draw(cases(case))
    xs = [data.draw(arrays("float64", s)) for s in in_shapes]
    same_as_torch(torch, lambda m, *ts: case.fn(m, p, *ts), xs, device, grad=True)


@pytest.mark.parametrize("case", _GRAD, ids=[c.name for c in _GRAD])
@fuzz(10)
@given(data=st.data(), seed=st.integers(0, 2 ** 32 - 1))
def test_grad_matches_finite_differences(case, device, data, seed):
    in_shapes, p = data.draw(cases(case, max_numel=12))
    rng = np.random.default_rng(seed)
    xs = [leaf(smooth_values(rng, s), device) for s in in_shapes]

    def fn(*ts):
        out = case.fn(gg, p, *ts)
        return tuple(out) if isinstance(out, (tuple, list)) else out
    try:
        fn(*xs)
    except (RuntimeError, IndexError):
        assume(False)   # a misuse (split of a 0-d tensor): the torch comparison covers it
    assert gg.autograd.gradcheck(fn, xs)


@fuzz(60)
@given(data=st.data())
def test_views_share_storage_and_version(device, data):
    """A basic-index view written in place changes its base, and bumps one shared version."""
    shape = data.draw(shapes(min_dims=1))
    p = data.draw(basic_index(shape))
    base = gg.tensor(np.arange(math.prod(shape), dtype=np.float64).reshape(shape),
                     device=device)
    view = base[p]
    assume(view.numel() > 0)
    before = base._version[0]
    view.add_(100.0)
    ref = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    ref[p] += 100.0
    np.testing.assert_array_equal(base.cpu().numpy(), ref)
    assert base._version[0] == view._version[0] > before
