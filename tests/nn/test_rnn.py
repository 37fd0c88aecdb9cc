"""Recurrent layers and cells against PyTorch: the same state_dict in both, then outputs, final
states and every gradient compared; gradchecks; names, shapes, reprs, init and errors."""
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

IN, HID, PROJ, SEQ, BATCH = 3, 4, 2, 4, 3

# name -> (class name, constructor keywords)
KINDS = {
    "rnn_tanh": ("RNN", {}),
    "rnn_relu": ("RNN", {"nonlinearity": "relu"}),
    "lstm": ("LSTM", {}),
    "lstm_proj": ("LSTM", {"proj_size": PROJ}),
    "gru": ("GRU", {}),
}


def _rng(seed):
    return np.random.default_rng(seed)


def _pair(torch, cls, dtype="float64", device="cpu", seed=0, **kw):
    """A torch module and a gpugrad one holding the same parameters."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, cls)(**kw).to(getattr(torch, dtype))
    ours = getattr(nn, cls)(**kw).to(dtype=getattr(gg, dtype))
    ours.load_state_dict({k: gg.tensor(v.detach().numpy(), device=device)
                          for k, v in theirs.state_dict().items()})
    return ours.to(device), theirs


def _flat(h):
    return list(h) if isinstance(h, tuple) else [h]


def _compare(torch, ours, theirs, inputs, dtype, device, rtol, atol, seed=1):
    """Run both modules on the same arrays (``inputs``: input, then hx as an array, a pair of
    arrays or None), backpropagate the same random weighting of every output, and compare
    outputs, final states and the gradients of input, hx and every parameter."""
    x, hx = inputs

    def tensors(lib, **kw):
        tx = lib.tensor(x, requires_grad=True, **kw)
        if hx is None:
            return tx, None, []
        hs = [lib.tensor(h, requires_grad=True, **kw) for h in _flat(hx)]
        return tx, (tuple(hs) if isinstance(hx, tuple) else hs[0]), hs

    gx, ghx, ghs = tensors(gg, device=device)
    tx, thx, ths = tensors(torch)
    out, h = ours(gx, ghx)
    tout, th = theirs(tx, thx)
    got, want = [out] + _flat(h), [tout] + _flat(th)
    assert len(got) == len(want)
    r = _rng(seed)
    loss, tloss = 0, 0
    for o, t in zip(got, want):
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype == getattr(gg, dtype)
        np.testing.assert_allclose(o.detach().cpu().numpy(), t.detach().numpy(), rtol=rtol,
                                   atol=atol)
        w = r.standard_normal(tuple(t.shape)).astype(dtype)
        loss = loss + (o * gg.tensor(w, device=device)).sum()
        tloss = tloss + (t * t.new_tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for o, t in [(gx, tx)] + list(zip(ghs, ths)):
        np.testing.assert_allclose(o.grad.cpu().numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.cpu().numpy(), tgrads[name].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=name)


def _inputs(kind, kw, unbatched, with_hx, dtype, seed=0):
    r = _rng(seed)
    d = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    if unbatched:
        x = r.standard_normal((SEQ, IN))
    elif kw.get("batch_first"):
        x = r.standard_normal((BATCH, SEQ, IN))
    else:
        x = r.standard_normal((SEQ, BATCH, IN))
    hx = None
    if with_hx:
        lead = (d * layers,) if unbatched else (d * layers, BATCH)
        h_size = PROJ if kind == "lstm_proj" else HID
        hx = r.standard_normal(lead + (h_size,)).astype(dtype)
        if KINDS[kind][0] == "LSTM":
            hx = (hx, r.standard_normal(lead + (HID,)).astype(dtype))
    return x.astype(dtype), hx


CASES = list(itertools.product(KINDS, [False, True], [False, True], [1, 2], [False, True],
                               [False, True]))


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind,batch_first,bidirectional,num_layers,unbatched,with_hx", CASES,
                         ids=["-".join(str(v) for v in c) for c in CASES])
def test_matches_torch(kind, batch_first, bidirectional, num_layers, unbatched, with_hx, dtype,
                       device, torch):
    cls, extra = KINDS[kind]
    kw = dict(input_size=IN, hidden_size=HID, num_layers=num_layers, batch_first=batch_first,
              bidirectional=bidirectional, **extra)
    ours, theirs = _pair(torch, cls, dtype=dtype, device=device, **kw)
    # float32: PyTorch's CPU kernels (oneDNN for LSTM) sum in another order.
    tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-4, "atol": 1e-5}
    _compare(torch, ours, theirs, _inputs(kind, kw, unbatched, with_hx, dtype), dtype, device,
             **tol)


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_bias_and_longer_sequence(kind, torch):
    cls, extra = KINDS[kind]
    kw = dict(input_size=IN, hidden_size=HID, num_layers=2, bias=False, bidirectional=True,
              **extra)
    ours, theirs = _pair(torch, cls, **kw)
    x = _rng(3).standard_normal((11, 2, IN))
    _compare(torch, ours, theirs, (x, None), "float64", "cpu", rtol=1e-10, atol=1e-12)


def test_empty_batch(torch):
    ours, theirs = _pair(torch, "GRU", input_size=IN, hidden_size=HID)
    out, h = ours(gg.zeros(SEQ, 0, IN, dtype=gg.float64))
    tout, th = theirs(torch.zeros(SEQ, 0, IN, dtype=torch.float64))
    assert tuple(out.shape) == tuple(tout.shape) and tuple(h.shape) == tuple(th.shape)


@settings(derandomize=True, database=None, deadline=None, max_examples=30,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(list(KINDS)), layers=st.integers(1, 3), bidirectional=st.booleans(),
       batch_first=st.booleans(), bias=st.booleans(), seq=st.integers(1, 5),
       batch=st.one_of(st.none(), st.integers(1, 4)), sizes=st.tuples(st.integers(1, 4),
                                                                     st.integers(2, 5)),
       with_hx=st.booleans())
def test_random_configurations_match_torch(kind, layers, bidirectional, batch_first, bias, seq,
                                           batch, sizes, with_hx, torch):
    cls, extra = KINDS[kind]
    extra = dict(extra)
    in_size, hidden = sizes
    if "proj_size" in extra:
        extra["proj_size"] = hidden - 1
    kw = dict(input_size=in_size, hidden_size=hidden, num_layers=layers, bias=bias,
              batch_first=batch_first, bidirectional=bidirectional, **extra)
    ours, theirs = _pair(torch, cls, **kw)
    r = _rng(seq * 7 + (batch or 0))
    d = 2 if bidirectional else 1
    lead = (d * layers,) if batch is None else (d * layers, batch)
    if batch is None:
        x = r.standard_normal((seq, in_size))
    else:
        x = r.standard_normal((batch, seq, in_size) if batch_first else (seq, batch, in_size))
    hx = None
    if with_hx:
        hx = r.standard_normal(lead + (extra.get("proj_size") or hidden,))
        if cls == "LSTM":
            hx = (hx, r.standard_normal(lead + (hidden,)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: projections are not supported with oneDNN
        _compare(torch, ours, theirs, (x, hx), "float64", "cpu", rtol=1e-10, atol=1e-12)


def test_pickle_and_deepcopy_keep_working():
    import copy
    import pickle
    gg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, proj_size=2, bidirectional=True)
    x = gg.randn(5, 2, 3)
    want = m(x)[0].detach().numpy()
    for again in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        np.testing.assert_array_equal(again(x)[0].detach().numpy(), want)
        assert again.all_weights[1][0] is again.weight_ih_l0_reverse


# ------------------------------------------------------------------ gradcheck
@pytest.mark.parametrize("kind", list(KINDS))
def test_gradcheck_input_and_hx(kind, device):
    cls, extra = KINDS[kind]
    gg.manual_seed(0)
    m = getattr(nn, cls)(2, 3, num_layers=2, bidirectional=True, **extra).to(
        device=device, dtype=gg.float64)
    r = _rng(4)
    x = gg.tensor(r.standard_normal((3, 2, 2)), device=device, requires_grad=True)
    h_size = PROJ if kind == "lstm_proj" else 3
    h0 = gg.tensor(r.standard_normal((4, 2, h_size)), device=device, requires_grad=True)
    if cls == "LSTM":
        c0 = gg.tensor(r.standard_normal((4, 2, 3)), device=device, requires_grad=True)

        def fn(x, h0, c0):
            out, (h, c) = m(x, (h0, c0))
            return out, h, c
        inputs = (x, h0, c0)
    else:
        def fn(x, h0):
            out, h = m(x, h0)
            return out, h
        inputs = (x, h0)
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_gradgradcheck(kind):
    cls, extra = KINDS[kind]
    gg.manual_seed(1)
    m = getattr(nn, cls)(2, 2, **extra).to(dtype=gg.float64)
    x = gg.tensor(_rng(5).standard_normal((3, 1, 2)), requires_grad=True)
    assert gradgradcheck(lambda x: m(x)[0], (x,))


def test_parameter_gradients_gradcheck():
    # The parameters themselves, as inputs of a functional form of the layer.
    gg.manual_seed(2)
    m = nn.GRU(2, 2, bidirectional=True).to(dtype=gg.float64)
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in m.parameters()]
    x = gg.tensor(_rng(6).standard_normal((3, 2, 2)))

    def fn(*ps):
        for name, p in zip(names, ps):
            m._parameters[name] = p
        return m(x)[0]
    assert gradcheck(fn, params)


# ------------------------------------------------------------------ cells
CELLS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", {"nonlinearity": "relu"}),
         "lstm": ("LSTMCell", {}), "gru": ("GRUCell", {})}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cells_match_torch(kind, unbatched, with_hx, bias, dtype, device, torch):
    cls, extra = CELLS[kind]
    ours, theirs = _pair(torch, cls, dtype=dtype, device=device, input_size=IN,
                         hidden_size=HID, bias=bias, **extra)
    r = _rng(7)
    lead = () if unbatched else (BATCH,)
    x = r.standard_normal(lead + (IN,)).astype(dtype)
    hx = None
    if with_hx:
        hx = r.standard_normal(lead + (HID,)).astype(dtype)
        if cls == "LSTMCell":
            hx = (hx, r.standard_normal(lead + (HID,)).astype(dtype))

    # Cells return h (or (h, c)); wrap them so _compare sees (output, state).
    class Wrap:
        def __init__(self, cell):
            self.cell = cell

        def __call__(self, x, hx):
            out = self.cell(x, hx)
            return (out[0], out[1]) if isinstance(out, tuple) else (out, ())

        def named_parameters(self):
            return self.cell.named_parameters()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-4, atol=1e-5)
    _compare(torch, Wrap(ours), Wrap(theirs), (x, hx), dtype, device, **tol)


@pytest.mark.parametrize("kind", list(CELLS))
def test_cell_gradcheck(kind):
    cls, extra = CELLS[kind]
    gg.manual_seed(3)
    cell = getattr(nn, cls)(2, 3, **extra).to(dtype=gg.float64)
    r = _rng(8)
    x = gg.tensor(r.standard_normal((2, 2)), requires_grad=True)
    h = gg.tensor(r.standard_normal((2, 3)), requires_grad=True)
    if cls == "LSTMCell":
        c = gg.tensor(r.standard_normal((2, 3)), requires_grad=True)
        assert gradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))
    else:
        assert gradcheck(lambda x, h: cell(x, h), (x, h))


# ------------------------------------------------------------------ structure
STRUCTURE = [
    ("RNN", dict(input_size=5, hidden_size=7)),
    ("RNN", dict(input_size=5, hidden_size=7, num_layers=3, nonlinearity="relu", bias=False)),
    ("LSTM", dict(input_size=5, hidden_size=7, num_layers=2, bidirectional=True)),
    ("LSTM", dict(input_size=5, hidden_size=7, num_layers=2, bidirectional=True, proj_size=3,
                  batch_first=True, dropout=0.25)),
    ("LSTM", dict(input_size=5, hidden_size=7, proj_size=3, bias=False)),
    ("GRU", dict(input_size=5, hidden_size=7, num_layers=2, batch_first=True)),
    ("GRU", dict(input_size=5, hidden_size=7, bidirectional=True, bias=False)),
    ("RNNCell", dict(input_size=5, hidden_size=7, nonlinearity="relu", bias=False)),
    ("LSTMCell", dict(input_size=5, hidden_size=7)),
    ("GRUCell", dict(input_size=5, hidden_size=7, bias=False)),
]


@pytest.mark.parametrize("cls,kw", STRUCTURE, ids=[f"{c}{i}" for i, (c, _) in
                                                    enumerate(STRUCTURE)])
def test_names_shapes_repr_and_init(cls, kw, torch):
    ours, theirs = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    tparams = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tparams)
    bound = 1 / math.sqrt(kw["hidden_size"])
    values = []
    for name, p in ours.named_parameters():
        assert tuple(p.shape) == tuple(tparams[name].shape), name
        assert p.dtype == gg.float32 and p.requires_grad
        values.append(p.detach().numpy().ravel())
    values = np.concatenate(values)
    # U(-bound, bound): inside the bound, and spread over it (not all one sign or tiny).
    assert np.abs(values).max() <= bound
    assert values.max() > 0.8 * bound and values.min() < -0.8 * bound
    assert abs(values.mean()) < 0.1 * bound
    if not cls.endswith("Cell"):
        tall = theirs.all_weights
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in tall]
        assert ours.all_weights[0][0] is ours.weight_ih_l0
        ours.flatten_parameters()  # accepted, does nothing


def test_attributes_and_positional_arguments(torch):
    for args in [(4, 6, 2, "relu", False, True, 0.0, True), (4, 6, 1, "tanh")]:
        ours, theirs = nn.RNN(*args), torch.nn.RNN(*args)
        for a in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                  "dropout", "bidirectional", "proj_size", "nonlinearity"):
            assert getattr(ours, a) == getattr(theirs, a), a
    assert nn.LSTM(4, 6, 2, True, True, 0.5, True, 3).proj_size == 3
    assert repr(nn.LSTM(4, 6, 2, True, True, 0.5, True, 3)) == \
        repr(torch.nn.LSTM(4, 6, 2, True, True, 0.5, True, 3))


def test_device_dtype_and_reloaded_weights_are_used(torch):
    m = nn.LSTM(3, 4, dtype=gg.float64)
    assert all(p.dtype == gg.float64 for p in m.parameters())
    m = nn.GRU(3, 4)
    x = gg.randn(2, 1, 3)
    before = m(x)[0]
    with gg.no_grad():
        m.weight_hh_l0.zero_()
        m.bias_hh_l0.zero_()
    m.weight_ih_l0 = nn.Parameter(gg.zeros(12, 3))
    after = m(x)[0]
    assert not np.allclose(before.detach().numpy(), after.detach().numpy())
    # With every weight zero each gate is sigmoid(b_ih) or tanh(b_ih): no input dependence.
    np.testing.assert_allclose(after[0, 0].detach().numpy(),
                               m(gg.randn(2, 1, 3))[0][0, 0].detach().numpy(), rtol=1e-6)
    m.double()
    assert m(x.double())[0].dtype == gg.float64


def test_no_graph_without_grad():
    m = nn.LSTM(3, 4, num_layers=2)
    with gg.no_grad():
        out, (h, c) = m(gg.randn(5, 2, 3))
    assert out.grad_fn is None and h.grad_fn is None and c.grad_fn is None


# ------------------------------------------------------------------ dropout
def test_dropout_between_layers_only_in_training(torch):
    kw = dict(input_size=IN, hidden_size=HID, num_layers=2, dropout=1.0)
    x = _rng(9).standard_normal((SEQ, BATCH, IN))
    for cls in ("RNN", "LSTM", "GRU"):
        ours, theirs = _pair(torch, cls, **kw)
        # p=1 zeroes the first layer's output whatever the random stream: both libraries
        # then run layer 2 on zeros, so training outputs agree exactly.
        for mode in (True, False):
            ours.train(mode)
            theirs.train(mode)
            out = ours(gg.tensor(x))[0].detach().numpy()
            tout = theirs(torch.tensor(x))[0].detach().numpy()
            np.testing.assert_allclose(out, tout, rtol=1e-10, atol=1e-12)
        ours.train()
        with_drop = ours(gg.tensor(x))[0].detach().numpy()
        ours.eval()
        assert not np.allclose(with_drop, ours(gg.tensor(x))[0].detach().numpy())


def test_dropout_half_is_random_in_training_and_off_in_eval():
    gg.manual_seed(0)
    m = nn.GRU(3, 8, num_layers=2, dropout=0.5).to(dtype=gg.float64)
    x = gg.randn(4, 2, 3, dtype=gg.float64)
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    assert not np.allclose(a, b)
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())
    # The last layer's output is never dropped: a one-layer module ignores dropout.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = nn.GRU(3, 8, dropout=0.5).to(dtype=gg.float64)
    np.testing.assert_array_equal(one(x)[0].detach().numpy(), one(x)[0].detach().numpy())


def test_dropout_warning_as_torch(torch):
    with pytest.warns(UserWarning) as ours:
        nn.LSTM(3, 4, dropout=0.5)
    with pytest.warns(UserWarning) as theirs:
        torch.nn.LSTM(3, 4, dropout=0.5)
    assert str(ours[0].message) == str(theirs[0].message)
    assert ours[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)
        nn.LSTM(3, 4, dropout=0.0)


# ------------------------------------------------------------------ errors
def _x(lib, *shape, dtype=None):
    return lib.zeros(*shape, dtype=dtype or lib.float32)


ERRORS = {
    "hidden_size": lambda lib: lib.nn.RNN(10, 20)(_x(lib, 5, 3, 10), _x(lib, 2, 3, 20)),
    "hidden_batch": lambda lib: lib.nn.GRU(10, 20)(_x(lib, 5, 3, 10), _x(lib, 1, 2, 20)),
    "input_size": lambda lib: lib.nn.GRU(10, 20)(_x(lib, 5, 3, 5)),
    "input_rank": lambda lib: lib.nn.RNN(10, 20)(_x(lib, 5, 3, 2, 10)),
    "input_rank_lstm": lambda lib: lib.nn.LSTM(10, 20)(_x(lib, 10)),
    "input_rank_gru": lambda lib: lib.nn.GRU(10, 20)(_x(lib, 1, 1, 1, 10)),
    "hx_rank_batched": lambda lib: lib.nn.RNN(10, 20)(_x(lib, 5, 3, 10), _x(lib, 3, 20)),
    "hx_rank_unbatched": lambda lib: lib.nn.GRU(10, 20)(_x(lib, 5, 10), _x(lib, 1, 1, 20)),
    "lstm_hx_rank_batched": lambda lib: lib.nn.LSTM(10, 20)(
        _x(lib, 5, 3, 10), (_x(lib, 3, 20), _x(lib, 1, 3, 20))),
    "lstm_hx_rank_unbatched": lambda lib: lib.nn.LSTM(10, 20)(
        _x(lib, 5, 10), (_x(lib, 1, 20), _x(lib, 1, 1, 20))),
    "lstm_h_size": lambda lib: lib.nn.LSTM(10, 20, proj_size=5)(
        _x(lib, 4, 3, 10), (_x(lib, 1, 3, 20), _x(lib, 1, 3, 20))),
    "lstm_c_size": lambda lib: lib.nn.LSTM(10, 20, 2)(
        _x(lib, 4, 3, 10), (_x(lib, 2, 3, 20), _x(lib, 1, 3, 20))),
    "input_dtype": lambda lib: lib.nn.LSTM(10, 20)(_x(lib, 5, 3, 10, dtype=lib.float64)),
    "empty_sequence": lambda lib: lib.nn.LSTM(10, 20)(_x(lib, 0, 3, 10)),
    "nonlinearity": lambda lib: lib.nn.RNN(10, 20, nonlinearity="sigmoid"),
    "proj_rnn": lambda lib: lib.nn.RNN(10, 20, proj_size=5),
    "proj_gru": lambda lib: lib.nn.GRU(10, 20, proj_size=5),
    "proj_too_big": lambda lib: lib.nn.LSTM(10, 20, proj_size=20),
    "proj_negative": lambda lib: lib.nn.LSTM(10, 20, proj_size=-1),
    "dropout_range": lambda lib: lib.nn.GRU(10, 20, dropout=1.5),
    "dropout_bool": lambda lib: lib.nn.GRU(10, 20, dropout=True),
    "bias_type": lambda lib: lib.nn.GRU(10, 20, bias=1),
    "batch_first_type": lambda lib: lib.nn.GRU(10, 20, batch_first=None),
    "input_size_type": lambda lib: lib.nn.GRU(10.0, 20),
    "input_size_zero": lambda lib: lib.nn.GRU(0, 20),
    "hidden_size_type": lambda lib: lib.nn.GRU(10, "20"),
    "hidden_size_zero": lambda lib: lib.nn.GRU(10, 0),
    "num_layers_zero": lambda lib: lib.nn.GRU(10, 20, 0),
    "mode": lambda lib: lib.nn.RNNBase("CELL", 10, 20),
    "cell_input_size": lambda lib: lib.nn.LSTMCell(10, 20)(_x(lib, 3, 5)),
    "cell_batch": lambda lib: lib.nn.GRUCell(10, 20)(_x(lib, 3, 10), _x(lib, 2, 20)),
    "cell_hidden_size": lambda lib: lib.nn.RNNCell(10, 20)(_x(lib, 3, 10), _x(lib, 3, 19)),
    "lstm_cell_c_size": lambda lib: lib.nn.LSTMCell(10, 20)(
        _x(lib, 3, 10), (_x(lib, 3, 20), _x(lib, 3, 21))),
    "cell_unbatched_batched_hx": lambda lib: lib.nn.LSTMCell(10, 20)(
        _x(lib, 10), (_x(lib, 3, 20), _x(lib, 3, 20))),
    "cell_input_rank": lambda lib: lib.nn.GRUCell(10, 20)(_x(lib, 3, 10, 1)),
    "cell_hidden_rank": lambda lib: lib.nn.RNNCell(10, 20)(_x(lib, 3, 10), _x(lib, 3, 2, 20)),
    "lstm_cell_hidden_rank": lambda lib: lib.nn.LSTMCell(10, 20)(
        _x(lib, 3, 10), (_x(lib, 3, 20), _x(lib, 1, 3, 20))),
    "cell_nonlinearity": lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="sig")(
        _x(lib, 3, 10)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(ERRORS[name], torch)
