"""Transformer layers against PyTorch's: same weights, same outputs and gradients, same
names, state_dict keys, reprs, warnings and errors."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn

E, HEADS, FF = 8, 2, 12
S, T, N = 5, 4, 3


def _rng(seed):
    return np.random.default_rng(seed)


def _build(lib, cls, kw):
    kw = dict(kw)
    act = kw.get("activation")
    if act == "callable":
        kw["activation"] = lambda x: lib.tanh(x) * 2.0
    elif act == "module":
        kw["activation"] = lib.nn.GELU()
    if cls in ("TransformerEncoder", "TransformerDecoder"):
        layer_cls = cls + "Layer"
        num_layers = kw.pop("num_layers", 2)
        norm = kw.pop("final_norm", False)
        extra = {k: kw.pop(k) for k in ("enable_nested_tensor", "mask_check") if k in kw}
        layer = getattr(lib.nn, layer_cls)(E, HEADS, FF, **kw)
        return getattr(lib.nn, cls)(layer, num_layers, norm=lib.nn.LayerNorm(E) if norm
                                    else None, **extra)
    if cls == "Transformer":
        return lib.nn.Transformer(E, HEADS, 2, 2, FF, **kw)
    return getattr(lib.nn, cls)(E, HEADS, FF, **kw)


def _pair(torch, cls, kw, dtype="float64", seed=0):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _build(torch, cls, kw).to(getattr(torch, dtype))
        ours = _build(gg, cls, kw).to(dtype=getattr(gg, dtype))
    # LayerNorm starts at ones/zeros; random affine weights make the comparison stronger.
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.3)
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _shape(length, batch_first, unbatched):
    if unbatched:
        return (length, E)
    return (N, length, E) if batch_first else (length, N, E)


def _padding(length, unbatched, r, float_mask=False, dtype="float64"):
    m = r.random((length,) if unbatched else (N, length)) > 0.6
    m[..., 0] = False
    if float_mask:
        return np.where(m, -np.inf, 0.0).astype(dtype)
    return m


def _attn_mask(kind, lq, lk, r, dtype="float64"):
    if kind == "bool":
        m = r.random((lq, lk)) > 0.7
        m[:, 0] = False
        return m
    if kind == "float":
        return r.standard_normal((lq, lk)).astype(dtype)
    if kind == "float_inf":
        return np.where(_attn_mask("bool", lq, lk, r), -np.inf, 0.0).astype(dtype)
    if kind == "float3d":
        return r.standard_normal((N * HEADS, lq, lk)).astype(dtype)
    if kind == "causal":
        return np.triu(np.full((lq, lk), -np.inf), 1).astype(dtype)
    if kind == "causal_bool":
        return np.triu(np.ones((lq, lk), dtype=bool), 1)
    raise ValueError(kind)


def _compare(ours, theirs, torch, inputs, call, dtype, train=True):
    """Run both models on the same numpy inputs; compare outputs and every gradient."""
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    ours.train(train)
    theirs.train(train)
    gx = [gg.tensor(a, requires_grad=True) for a in inputs]
    tx = [torch.tensor(a, requires_grad=True) for a in inputs]
    gkw = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    y = ours(*gx, **gkw)
    ty = theirs(*tx, **tkw)
    assert y.dtype == getattr(gg, dtype)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), **tol)
    g = _rng(99).standard_normal(tuple(ty.shape)).astype(dtype)
    # NaN rows (a query with every key masked) would poison every gradient; the inputs here
    # always leave one key open, so there are none.
    (y * gg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for a, b in zip(gx, tx):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    grads = dict(theirs.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert names == list(grads)
    for name, p in ours.named_parameters():
        tg = grads[name].grad
        if tg is None:
            assert p.grad is None or not p.grad.numpy().any(), name
        else:
            np.testing.assert_allclose(p.grad.numpy(), tg.numpy(), err_msg=name, **tol)


LAYER_KW = {
    "post_norm": dict(dropout=0.0),
    "pre_norm": dict(dropout=0.0, norm_first=True),
    "batch_first": dict(dropout=0.0, batch_first=True),
    "batch_first_pre_norm": dict(dropout=0.0, batch_first=True, norm_first=True),
    "gelu": dict(dropout=0.0, activation="gelu"),
    "callable": dict(dropout=0.0, activation="callable"),
    "module_activation": dict(dropout=0.0, activation="module", batch_first=True),
    "no_bias": dict(dropout=0.0, bias=False, layer_norm_eps=1e-3),
}

MASKS = {
    "none": {},
    "bool": dict(attn="bool"),
    "float": dict(attn="float"),
    "float3d": dict(attn="float3d"),
    "float_inf": dict(attn="float_inf"),
    "padding": dict(padding=True),
    "float_padding": dict(padding="float"),
    "bool_and_padding": dict(attn="bool", padding=True),
    "causal": dict(attn="causal", is_causal=True),
    "causal_bool_and_padding": dict(attn="causal_bool", padding=True, is_causal=True),
    "unbatched": dict(unbatched=True, padding=True, attn="bool"),
}


def _encoder_call(kw, mask, r, dtype, mask_name="src_mask", pad_name="src_key_padding_mask",
                  causal_name="is_causal"):
    unbatched = mask.get("unbatched", False)
    x = r.standard_normal(_shape(S, kw.get("batch_first"), unbatched)).astype(dtype)
    call = {}
    if "attn" in mask:
        call[mask_name] = _attn_mask(mask["attn"], S, S, r, dtype)
    if mask.get("padding"):
        call[pad_name] = _padding(S, unbatched, r, mask["padding"] == "float", dtype)
    if mask.get("is_causal"):
        call[causal_name] = True
    return [x], call


# Every option with every mask in float64; float32 with the mask-free and padding cases.
LAYER_CASES = [(name, mask, "float64") for name in LAYER_KW for mask in MASKS] + \
    [(name, mask, "float32") for name in LAYER_KW for mask in ("none", "padding")]


@pytest.mark.parametrize("name, mask, dtype", LAYER_CASES)
def test_encoder_layer_matches_torch(name, mask, dtype, torch):
    kw = LAYER_KW[name]
    ours, theirs = _pair(torch, "TransformerEncoderLayer", kw, dtype)
    inputs, call = _encoder_call(kw, MASKS[mask], _rng(1), dtype)
    _compare(ours, theirs, torch, inputs, call, dtype)


def _decoder_call(kw, mask, r, dtype):
    unbatched = mask.get("unbatched", False)
    bf = kw.get("batch_first")
    tgt = r.standard_normal(_shape(T, bf, unbatched)).astype(dtype)
    mem = r.standard_normal(_shape(S, bf, unbatched)).astype(dtype)
    call = {}
    if "attn" in mask:
        call["tgt_mask"] = _attn_mask(mask["attn"], T, T, r, dtype)
        if mask["attn"] in ("bool", "float"):
            call["memory_mask"] = _attn_mask(mask["attn"], T, S, r, dtype)
    if mask.get("padding"):
        kind = mask["padding"] == "float"
        call["tgt_key_padding_mask"] = _padding(T, unbatched, r, kind, dtype)
        call["memory_key_padding_mask"] = _padding(S, unbatched, r, kind, dtype)
    if mask.get("is_causal"):
        call["tgt_is_causal"] = True
    return [tgt, mem], call


@pytest.mark.parametrize("name, mask, dtype", LAYER_CASES)
def test_decoder_layer_matches_torch(name, mask, dtype, torch):
    kw = LAYER_KW[name]
    ours, theirs = _pair(torch, "TransformerDecoderLayer", kw, dtype)
    inputs, call = _decoder_call(kw, MASKS[mask], _rng(2), dtype)
    _compare(ours, theirs, torch, inputs, call, dtype)


STACK_MASKS = ["none", "bool", "padding", "float_padding", "causal", "unbatched"]


@pytest.mark.parametrize("mask", STACK_MASKS)
@pytest.mark.parametrize("final_norm", [False, True])
@pytest.mark.parametrize("name", ["post_norm", "batch_first_pre_norm", "gelu"])
def test_stacks_match_torch(name, final_norm, mask, torch):
    kw = dict(LAYER_KW[name], final_norm=final_norm, num_layers=3)
    ours, theirs = _pair(torch, "TransformerEncoder", kw)
    assert len(ours.layers) == 3
    inputs, call = _encoder_call(kw, MASKS[mask], _rng(3), "float64", mask_name="mask")
    _compare(ours, theirs, torch, inputs, call, "float64")
    ours, theirs = _pair(torch, "TransformerDecoder", kw)
    inputs, call = _decoder_call(kw, MASKS[mask], _rng(4), "float64")
    _compare(ours, theirs, torch, inputs, call, "float64")


def test_causal_mask_detected_without_hint(torch):
    """is_causal=None: the stacks recognise generate_square_subsequent_mask's mask."""
    kw = dict(dropout=0.0, num_layers=2)
    ours, theirs = _pair(torch, "TransformerDecoder", kw)
    r = _rng(5)
    tgt, mem = r.standard_normal((T, N, E)), r.standard_normal((S, N, E))
    for mask in (np.triu(np.full((T, T), -np.inf), 1), np.triu(np.ones((T, T), bool), 1)):
        _compare(ours, theirs, torch, [tgt, mem], {"tgt_mask": mask}, "float64")
    m = nn.Transformer.generate_square_subsequent_mask(T)
    from gpugrad.nn.modules.transformer import _detect_is_causal_mask
    assert _detect_is_causal_mask(m, None, T)
    assert not _detect_is_causal_mask(m, None, T + 1)
    assert not _detect_is_causal_mask(gg.zeros(T, T), None, T)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mask", ["none", "all"])
@pytest.mark.parametrize("name", ["post_norm", "batch_first_pre_norm", "callable"])
def test_full_transformer_matches_torch(name, mask, dtype, torch):
    ours, theirs = _pair(torch, "Transformer", LAYER_KW[name], dtype)
    r = _rng(6)
    bf = LAYER_KW[name].get("batch_first")
    src = r.standard_normal(_shape(S, bf, False)).astype(dtype)
    tgt = r.standard_normal(_shape(T, bf, False)).astype(dtype)
    call = {}
    if mask == "all":
        call = {"src_mask": _attn_mask("bool", S, S, r), "tgt_mask":
                np.triu(np.full((T, T), -np.inf), 1).astype(dtype),
                "memory_mask": _attn_mask("bool", T, S, r),
                "src_key_padding_mask": _padding(S, False, r),
                "tgt_key_padding_mask": _padding(T, False, r),
                "memory_key_padding_mask": _padding(S, False, r)}
    _compare(ours, theirs, torch, [src, tgt], call, dtype)


def test_full_transformer_unbatched(torch):
    ours, theirs = _pair(torch, "Transformer", dict(dropout=0.0))
    r = _rng(7)
    _compare(ours, theirs, torch, [r.standard_normal((S, E)), r.standard_normal((T, E))],
             {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(T).numpy(),
              "src_key_padding_mask": _padding(S, True, r)}, "float64")


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerDecoderLayer",
                                 "TransformerEncoder", "Transformer"])
def test_eval_with_dropout_matches_torch(cls, torch):
    """In eval mode dropout is off, whatever p; torch's fused path gives the same numbers."""
    kw = dict(dropout=0.3, batch_first=True)
    ours, theirs = _pair(torch, cls, kw)
    r = _rng(8)
    inputs = [r.standard_normal((N, S, E))]
    if cls != "TransformerEncoderLayer" and cls != "TransformerEncoder":
        inputs.append(r.standard_normal((N, T, E)))
    _compare(ours, theirs, torch, inputs, {}, "float64", train=False)
    with torch.no_grad(), gg.no_grad():
        y = ours(*[gg.tensor(a) for a in inputs])
        ty = theirs(*[torch.tensor(a) for a in inputs])
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerEncoder"])
@pytest.mark.parametrize("mask", ["bool", "float_inf", "padding", "float_padding",
                                  "unbatched"])
def test_eval_no_grad_with_masks_matches_torch(cls, mask, torch):
    """Eval with grad off is where PyTorch runs its fused encoder kernels; same numbers.
    (Its fused kernels read a float src_mask as "nonzero: masked", unlike its own
    grad-mode path, which adds it; gpugrad always adds it, so float masks here are 0/-inf.)"""
    kw = dict(dropout=0.2, batch_first=True)
    ours, theirs = _pair(torch, cls, kw)
    ours.eval()
    theirs.eval()
    names = ("src_mask", "is_causal") if cls == "TransformerEncoderLayer" else ("mask",
                                                                                "is_causal")
    (x,), call = _encoder_call(kw, MASKS[mask], _rng(10), "float64", mask_name=names[0],
                               causal_name=names[1])
    with torch.no_grad(), gg.no_grad():
        y = ours(gg.tensor(x), **{k: gg.tensor(v) for k, v in call.items()})
        ty = theirs(torch.tensor(x), **{k: torch.tensor(v) for k, v in call.items()})
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("aligned", [True, False])
@pytest.mark.parametrize("final_norm", [False, True])
def test_encoder_eval_padding_matches_nested_path(aligned, final_norm, torch):
    """PyTorch runs eval, no-grad, batch-first padded input as nested tensors: padded
    positions come out as zeros (then through the final norm). The values match it."""
    kw = dict(dropout=0.0, batch_first=True, final_norm=final_norm)
    ours, theirs = _pair(torch, "TransformerEncoder", kw)
    ours.eval()
    theirs.eval()
    x = _rng(9).standard_normal((N, S, E))
    pad = np.zeros((N, S), dtype=bool)
    pad[0, 3:] = True
    pad[2, 1:] = True
    if not aligned:
        pad[1, 1] = True
    with torch.no_grad(), gg.no_grad():
        ty = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
        y = ours(gg.tensor(x), src_key_padding_mask=gg.tensor(pad))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-9, atol=1e-11)
    # With grad on, PyTorch takes the ordinary path: padded rows are computed.
    ty = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
    y = ours(gg.tensor(x), src_key_padding_mask=gg.tensor(pad))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("cls, kw", [
    ("TransformerEncoderLayer", {}), ("TransformerDecoderLayer", dict(norm_first=True)),
    ("TransformerEncoderLayer", dict(activation="module")),
    ("TransformerEncoder", dict(final_norm=True, num_layers=3)),
    ("TransformerDecoder", dict(num_layers=2)),
    ("Transformer", dict(bias=False)),
])
def test_names_state_dict_and_repr(cls, kw, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _build(gg, cls, kw), _build(torch, cls, kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, v), (_, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(v.shape) == tuple(tv.shape), k
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_defaults_and_attributes(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = nn.Transformer(), torch.nn.Transformer()
    assert repr(ours) == repr(theirs)
    for attr in ("d_model", "nhead", "batch_first"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    enc, tenc = ours.encoder, theirs.encoder
    for attr in ("num_layers", "enable_nested_tensor", "use_nested_tensor", "mask_check"):
        assert getattr(enc, attr) == getattr(tenc, attr), attr
    layer, tlayer = enc.layers[0], tenc.layers[0]
    assert layer.activation is gg.nn.functional.relu
    assert layer.activation_relu_or_gelu == tlayer.activation_relu_or_gelu == 1
    assert layer.self_attn.dropout == 0.1 and layer.dropout.p == 0.1
    assert layer.norm1.eps == 1e-5 and layer.linear1.out_features == 2048
    # Deep copies: each layer owns its parameters, and they start equal.
    a, b = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert a is not b
    gelu = nn.TransformerEncoderLayer(8, 2, activation="gelu")
    assert gelu.activation is gg.nn.functional.gelu and gelu.activation_relu_or_gelu == 2
    # Weights of rank > 1 are xavier-uniform; LayerNorm weights stay ones.
    w = ours.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= np.float32(np.sqrt(6 / (512 + 2048)))  # bound rounded as w
    assert (ours.decoder.norm.weight.detach().numpy() == 1).all()


def test_generate_square_subsequent_mask(torch):
    m = nn.Transformer.generate_square_subsequent_mask(4)
    tm = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == gg.float32
    np.testing.assert_array_equal(m.numpy(), tm.numpy())
    m = nn.Transformer.generate_square_subsequent_mask(3, dtype=gg.float64)
    assert m.dtype == gg.float64 and m.numpy()[0, 1] == -np.inf and m.numpy()[1, 0] == 0


@pytest.mark.parametrize("kw, reason", [
    (dict(batch_first=False), "batch_first"), (dict(norm_first=True), "norm_first"),
    (dict(batch_first=True, activation="callable"), "activation"),
    (dict(batch_first=True, bias=False), "bias"), (dict(batch_first=True), None),
])
def test_nested_tensor_warning(kw, reason, torch):
    def build(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            _build(lib, "TransformerEncoder", dict(kw, num_layers=1))
        return [str(x.message) for x in w if "nested" in str(x.message)]
    ours, theirs = build(gg), build(torch)
    assert ours == theirs
    assert bool(ours) == (reason is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _build(gg, "TransformerEncoder", dict(kw, num_layers=1, enable_nested_tensor=False))


def test_mismatched_mask_types_warn(torch):
    def run(lib):
        torch.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0)
        x = lib.zeros(S, N, E)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            layer(x, src_mask=lib.zeros(S, S), src_key_padding_mask=lib.zeros(N, S,
                                                                             dtype=lib.bool))
        return [str(x.message) for x in w]
    assert run(gg) == run(torch) == [
        ("Support for mismatched src_key_padding_mask and src_mask is deprecated. Use same "
         "type for both instead.")]


ERRORS = {
    "activation": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation="tanh"),
    "heads": lambda lib: lib.nn.TransformerEncoderLayer(8, 3),
    "batch": lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.zeros(5, 2, 8),
                                                          lib.zeros(4, 3, 8)),
    "features": lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.zeros(5, 2, 8),
                                                             lib.zeros(4, 2, 6)),
    "int_mask": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16)(
        lib.zeros(5, 2, 8), src_mask=lib.zeros(5, 5, dtype=lib.int64)),
    "mask_shape": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16)(
        lib.zeros(5, 2, 8), src_mask=lib.zeros(4, 5)),
    "causal_without_mask": lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16)(
        lib.zeros(5, 2, 8), lib.zeros(3, 2, 8), tgt_is_causal=True),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(ERRORS[name], torch)


def test_train_with_dropout_runs_and_differs():
    gg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.5)
    x = gg.randn(S, N, E)
    a, b = layer(x), layer(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_pickle_and_deepcopy_keep_outputs():
    import copy
    import pickle
    gg.manual_seed(1)
    layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, activation="gelu")
    model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()
    x = gg.randn(S, N, E)
    want = model(x).detach().numpy()
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert other.layers[0].activation is gg.nn.functional.gelu
        np.testing.assert_array_equal(other(x).detach().numpy(), want)
    # Layers saved before ``activation`` existed load with relu, as PyTorch's.
    state = dict(layer.__dict__)
    del state["activation"]
    fresh = nn.TransformerEncoderLayer.__new__(nn.TransformerEncoderLayer)
    fresh.__setstate__(state)
    assert fresh.activation is gg.nn.functional.relu
