"""gg.nn.utils.rnn against torch.nn.utils.rnn: padding, packing, unpacking (values, lengths,
permutations, gradients), recurrent layers on packed input, and errors."""
import re
import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck
from gpugrad.nn.utils import rnn as R


def _rng(seed):
    return np.random.default_rng(seed)


def _same_tensor(ours, theirs, rtol=1e-12, atol=1e-14):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)


def _same_packed(ours, theirs):
    assert isinstance(ours, R.PackedSequence)
    _same_tensor(ours.data, theirs.data)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.batch_sizes.dtype == gg.int64 and ours.batch_sizes.device.type == "cpu"
    for a, b in [(ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)]:
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()


def _sequences(lengths, trailing=(2,), seed=0, dtype=np.float64):
    r = _rng(seed)
    return [r.standard_normal((n,) + trailing).astype(dtype) for n in lengths]


# ------------------------------------------------------------------ pad_sequence
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2,), (2, 3)])
def test_pad_sequence_matches_torch(batch_first, padding_side, trailing, device, torch):
    arrays = _sequences([3, 5, 1], trailing)
    xs = [gg.tensor(a, device=device, requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = R.pad_sequence(xs, batch_first=batch_first, padding_value=-1.5,
                         padding_side=padding_side)
    tout = torch.nn.utils.rnn.pad_sequence(txs, batch_first=batch_first, padding_value=-1.5,
                                           padding_side=padding_side)
    _same_tensor(out, tout)
    w = _rng(1).standard_normal(tuple(tout.shape))
    (out * gg.tensor(w, device=device)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for x, tx in zip(xs, txs):
        _same_tensor(x.grad, tx.grad)


def test_pad_sequence_defaults_dtypes_and_tensor_input(torch):
    for arrays in ([np.array([1, 2, 3]), np.array([4])],
                   [np.array([1.0, 2.0]), np.array([3, 4, 5])]):
        ours = R.pad_sequence([gg.tensor(a) for a in arrays])
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays])
        _same_tensor(ours, theirs)
    a = _rng(2).standard_normal((3, 4))
    _same_tensor(R.pad_sequence(gg.tensor(a), True),
                 torch.nn.utils.rnn.pad_sequence(torch.tensor(a), True))


# ------------------------------------------------------------------ packing
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("lengths_as", ["list", "tensor"])
def test_pack_and_pad_roundtrip_matches_torch(batch_first, enforce_sorted, lengths_as, device,
                                              torch):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    x = _rng(3).standard_normal(shape)
    gx = gg.tensor(x, device=device, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    glen = lengths if lengths_as == "list" else gg.tensor(lengths)
    tlen = lengths if lengths_as == "list" else torch.tensor(lengths)
    packed = R.pack_padded_sequence(gx, glen, batch_first, enforce_sorted)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(tx, tlen, batch_first, enforce_sorted)
    _same_packed(packed, tpacked)
    out, out_len = R.pad_packed_sequence(packed, batch_first, padding_value=7.0,
                                         total_length=6)
    tout, tout_len = torch.nn.utils.rnn.pad_packed_sequence(tpacked, batch_first, 7.0, 6)
    _same_tensor(out, tout)
    assert out_len.tolist() == tout_len.tolist() and out_len.dtype == gg.int64
    w = _rng(4).standard_normal(tuple(tout.shape))
    (out * gg.tensor(w, device=device)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _same_tensor(gx.grad, tx.grad)


def test_pack_sequence_unpack_and_unpad_match_torch(torch):
    arrays = _sequences([2, 4, 1], (3,), seed=5)
    packed = R.pack_sequence([gg.tensor(a) for a in arrays], enforce_sorted=False)
    tpacked = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays],
                                               enforce_sorted=False)
    _same_packed(packed, tpacked)
    for o, t in zip(R.unpack_sequence(packed), torch.nn.utils.rnn.unpack_sequence(tpacked)):
        _same_tensor(o, t)
    sorted_arrays = _sequences([4, 2, 2], seed=6)
    _same_packed(R.pack_sequence([gg.tensor(a) for a in sorted_arrays]),
                 torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in sorted_arrays]))
    for batch_first in (False, True):
        padded = _rng(7).standard_normal((3, 4, 2) if batch_first else (4, 3, 2))
        ours = R.unpad_sequence(gg.tensor(padded), gg.tensor([4, 1, 2]), batch_first)
        theirs = torch.nn.utils.rnn.unpad_sequence(torch.tensor(padded),
                                                   torch.tensor([4, 1, 2]), batch_first)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same_tensor(o, t)


def test_invert_permutation_and_packed_sequence_methods(torch):
    perm = [2, 0, 3, 1]
    assert R.invert_permutation(gg.tensor(perm)).tolist() == \
        torch.nn.utils.rnn.invert_permutation(torch.tensor(perm)).tolist()
    assert R.invert_permutation(None) is None
    p = R.pack_sequence([gg.ones(3, 2), gg.ones(1, 2)])
    assert p.double().data.dtype == gg.float64 and p.double().batch_sizes is p.batch_sizes
    assert p.to(gg.float32) is p
    assert p.is_cuda is False
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert sorted_indices is None and unsorted_indices is None
    q = R.PackedSequence((data, batch_sizes))
    assert q.data is data and q.batch_sizes is batch_sizes


# ------------------------------------------------------------------ layers on packed input
def _pair(torch, cls, **kw):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls)(**kw).double()
    ours = getattr(nn, cls)(**kw).to(dtype=gg.float64)
    ours.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


PACKED = [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
          ("LSTM", {"num_layers": 2, "bidirectional": True}),
          ("LSTM", {"proj_size": 2, "bidirectional": True}),
          ("GRU", {"num_layers": 2, "bidirectional": True}), ("GRU", {"batch_first": True})]


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
@pytest.mark.parametrize("cls,kw", PACKED, ids=[f"{c}{i}" for i, (c, _) in enumerate(PACKED)])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_hx", [False, True])
def test_layers_on_packed_input_match_torch(cls, kw, enforce_sorted, with_hx, torch):
    ours, theirs = _pair(torch, cls, input_size=3, hidden_size=4, **kw)
    bf = kw.get("batch_first", False)
    lengths = [5, 4, 2, 2, 1] if enforce_sorted else [2, 5, 1, 4, 2]
    r = _rng(8)
    x = r.standard_normal((5, 5, 3))
    d = 2 if kw.get("bidirectional") else 1
    n_states = d * kw.get("num_layers", 1)
    hx = None
    if with_hx:
        hx = [r.standard_normal((n_states, 5, kw.get("proj_size") or 4))]
        if cls == "LSTM":
            hx.append(r.standard_normal((n_states, 5, 4)))

    def run(lib, nnmod, utils):
        tx = lib.tensor(x, requires_grad=True)
        hs = [lib.tensor(h, requires_grad=True) for h in hx] if hx else []
        packed = utils.pack_padded_sequence(tx, lengths, bf, enforce_sorted)
        h0 = None if not hs else (tuple(hs) if cls == "LSTM" else hs[0])
        out, h = nnmod(packed, h0)
        padded, out_len = utils.pad_packed_sequence(out, bf)
        states = list(h) if isinstance(h, tuple) else [h]
        w = _rng(9)
        loss = (padded * lib.tensor(w.standard_normal(tuple(padded.shape)))).sum()
        for s in states:
            loss = loss + (s * lib.tensor(w.standard_normal(tuple(s.shape)))).sum()
        loss.backward()
        return [padded] + states, [tx] + hs, out_len

    got, g_in, g_len = run(gg, ours, R)
    want, t_in, t_len = run(torch, theirs, torch.nn.utils.rnn)
    assert g_len.tolist() == t_len.tolist()
    for o, t in zip(got, want):
        _same_tensor(o, t, rtol=1e-10, atol=1e-12)
    for o, t in zip(g_in, t_in):
        _same_tensor(o.grad, t.grad, rtol=1e-10, atol=1e-12)
    tgrads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _same_tensor(p.grad, tgrads[name].grad, rtol=1e-10, atol=1e-12)


def test_packed_output_is_packed_with_same_indices(torch):
    ours, _ = _pair(torch, "GRU", input_size=3, hidden_size=4)
    packed = R.pack_sequence([gg.randn(2, 3, dtype=gg.float64),
                              gg.randn(4, 3, dtype=gg.float64)], enforce_sorted=False)
    out, h = ours(packed)
    assert isinstance(out, R.PackedSequence)
    assert out.batch_sizes is packed.batch_sizes
    assert out.sorted_indices.tolist() == [1, 0] and out.unsorted_indices.tolist() == [1, 0]
    assert tuple(out.data.shape) == (6, 4) and tuple(h.shape) == (1, 2, 4)


def test_gradcheck_through_packed_lstm():
    gg.manual_seed(0)
    m = nn.LSTM(2, 3, bidirectional=True).to(dtype=gg.float64)
    x = gg.tensor(_rng(10).standard_normal((3, 3, 2)), requires_grad=True)
    h0 = gg.tensor(_rng(11).standard_normal((2, 3, 3)), requires_grad=True)
    c0 = gg.tensor(_rng(12).standard_normal((2, 3, 3)), requires_grad=True)

    def fn(x, h0, c0):
        packed = R.pack_padded_sequence(x, [1, 3, 2], enforce_sorted=False)
        out, (h, c) = m(packed, (h0, c0))
        return R.pad_packed_sequence(out)[0], h, c
    assert gradcheck(fn, (x, h0, c0))


# ------------------------------------------------------------------ errors
def _z(lib, *shape):
    return lib.zeros(*shape)


ERRORS = {
    "lengths_count": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2),
                                                                       [4, 2]),
    "zero_length": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2),
                                                                     [4, 2, 0]),
    "unsorted": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2), [2, 4, 1]),
    "empty": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 0, 3, 2), [2, 4, 1]),
    "total_length": lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2), [4, 2, 1]), total_length=2),
    "pad_empty": lambda lib: lib.nn.utils.rnn.pad_sequence([]),
    "pad_side": lambda lib: lib.nn.utils.rnn.pad_sequence([_z(lib, 2)], padding_side="up"),
    "pad_trailing": lambda lib: lib.nn.utils.rnn.pad_sequence([_z(lib, 2, 3), _z(lib, 3, 4)]),
    "pad_not_iterable": lambda lib: lib.nn.utils.rnn.pad_sequence(5),
    "packed_no_sizes": lambda lib: lib.nn.utils.rnn.PackedSequence(_z(lib, 3)),
    "packed_hidden_size": lambda lib: lib.nn.GRU(2, 4)(
        lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2), [4, 2, 1]), _z(lib, 1, 2, 4)),
    "packed_input_size": lambda lib: lib.nn.GRU(5, 4)(
        lib.nn.utils.rnn.pack_padded_sequence(_z(lib, 4, 3, 2), [4, 2, 1])),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(ERRORS[name], torch)


def test_packed_lstm_checks_its_input_and_states():
    # PyTorch's LSTM skips these checks for packed input and fails later inside a matmul;
    # gpugrad checks as for padded input.
    packed = R.pack_padded_sequence(gg.zeros(4, 3, 2), [4, 2, 1])
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 5, got 2"):
        nn.LSTM(5, 4)(packed)
    with pytest.raises(RuntimeError, match=re.escape("Expected hidden[1] size (1, 3, 4), got "
                                                     "[1, 3, 5]")):
        nn.LSTM(2, 4)(packed, (gg.zeros(1, 3, 4), gg.zeros(1, 3, 5)))


def test_length_beyond_padding_raises():
    # PyTorch reads past the tensor here; gpugrad refuses.
    with pytest.raises(RuntimeError, match="exceeds the padded sequence length 4"):
        R.pack_padded_sequence(gg.zeros(4, 3, 2), [5, 2, 1])
