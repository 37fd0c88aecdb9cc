"""Attention: SDPA gradients and parity with PyTorch; MultiheadAttention against torch's."""
import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _rng(seed):
    return np.random.default_rng(seed)


def _qkv(shape_q=(2, 2, 3, 4), s=5, ev=3, seed=0, dtype=np.float64):
    r = _rng(seed)
    lead, e = shape_q[:-2], shape_q[-1]
    return [r.standard_normal(shape_q).astype(dtype),
            r.standard_normal(lead + (s, e)).astype(dtype),
            r.standard_normal(lead + (s, ev)).astype(dtype)]


def _masks(kind, lq=3, s=5, seed=1):
    r = _rng(seed)
    if kind == "bool":
        m = r.random((lq, s)) > 0.4
        m[:, 0] = True
        return m
    if kind == "bool_full_row":
        m = r.random((2, 1, lq, s)) > 0.4
        m[0, 0, 1] = False  # a query no key may attend to gives zeros
        return m
    if kind == "float":
        return r.standard_normal((2, lq, s))
    return None


SDPA = {
    "plain": dict(),
    "causal": dict(is_causal=True),
    "scale": dict(scale=0.25),
    "bool": dict(mask="bool"),
    "bool_full_row": dict(mask="bool_full_row"),
    "float": dict(mask="float"),
}


def _sdpa_args(name, lib, device=None, dtype=np.float64, grad=True):
    kw = dict(SDPA[name])
    mask = _masks(kw.pop("mask", None))
    arrays = _qkv(dtype=dtype)
    if lib is gg:
        ts = [gg.tensor(a, device=device, requires_grad=grad) for a in arrays]
    else:
        ts = [lib.tensor(a, requires_grad=grad) for a in arrays]
    if mask is not None:
        mask = mask.astype(dtype) if mask.dtype != bool else mask
        is_float = mask.dtype != bool
        kw["attn_mask"] = (gg.tensor(mask, device=device, requires_grad=grad and is_float)
                           if lib is gg else lib.tensor(mask, requires_grad=grad and is_float))
    return ts, kw


@pytest.mark.parametrize("name", list(SDPA))
def test_sdpa_gradcheck(name, device):
    (q, k, v), kw = _sdpa_args(name, gg, device)
    mask = kw.pop("attn_mask", None)
    if mask is not None and mask.requires_grad:
        assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(
            q, k, v, attn_mask=m, **kw), (q, k, v, mask))
    else:
        assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, **kw), (q, k, v))


@pytest.mark.parametrize("name", ["plain", "causal", "float"])
def test_sdpa_gradgradcheck(name, device):
    (q, k, v), kw = _sdpa_args(name, gg, device)
    mask = kw.pop("attn_mask", None)
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, **kw), (q, k, v))


def test_sdpa_dropout_gradients_and_determinism():
    (q, k, v), _ = _sdpa_args("plain", gg)

    def fn(q, k, v):
        gg.manual_seed(3)  # the same dropout mask on every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    assert gradcheck(fn, (q, k, v))
    assert gradgradcheck(fn, (q, k, v))
    a, b = fn(q, k, v), fn(q, k, v)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    plain = F.scaled_dot_product_attention(q, k, v)
    assert not np.allclose(a.detach().numpy(), plain.detach().numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(SDPA))
def test_sdpa_matches_torch(name, dtype, device, torch):
    ours, kw = _sdpa_args(name, gg, device, dtype)
    theirs, tkw = _sdpa_args(name, torch, dtype=dtype)
    y = F.scaled_dot_product_attention(*ours, **kw)
    ty = torch.nn.functional.scaled_dot_product_attention(*theirs, **tkw)
    g = _rng(2).standard_normal(tuple(ty.shape)).astype(dtype)
    y.backward(gg.tensor(g, device=device))
    ty.backward(torch.tensor(g))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.detach().cpu().numpy(), ty.detach().numpy(), **tol)
    pairs = list(zip(ours, theirs))
    if "attn_mask" in kw and kw["attn_mask"].requires_grad:
        pairs.append((kw["attn_mask"], tkw["attn_mask"]))
    for o, t in pairs:
        np.testing.assert_allclose(o.grad.cpu().numpy(), t.grad.numpy(), **tol)


def test_sdpa_saves_only_what_gradients_need():
    q, k = gg.randn(1, 3, 4), gg.randn(1, 5, 4)
    v = gg.randn(1, 5, 2, requires_grad=True)
    y = F.scaled_dot_product_attention(q, k, v)
    assert y.grad_fn.name() == "ScaledDotProductAttentionBackward0"
    sq, sk, sv, mask, keep, lse = y.grad_fn.saved_tensors
    # q and k are the inputs themselves (they recompute the probabilities), v's values are
    # not needed for v's gradient, and one log-sum-exp per row replaces the probabilities.
    assert sq is q and sk is k and sv is None and mask is None and keep is None
    assert lse.shape == (1, 3, 1)
    y.sum().backward()
    s = q.numpy() @ k.numpy().swapaxes(-1, -2) / 2.0
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(v.grad.numpy(), np.broadcast_to(p.sum(1)[..., None], (1, 5, 2)),
                               rtol=1e-5)
    with gg.no_grad():
        assert F.scaled_dot_product_attention(q, k, v).grad_fn is None


def test_sdpa_broadcast_and_gqa(torch):
    r = _rng(4)
    q, k, v = r.standard_normal((2, 4, 3, 5)), r.standard_normal((2, 2, 6, 5)), \
        r.standard_normal((2, 2, 6, 3))
    y = F.scaled_dot_product_attention(gg.tensor(q), gg.tensor(k), gg.tensor(v),
                                       enable_gqa=True)
    ty = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), enable_gqa=True)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10)
    # k and v shared by every batch entry (broadcast batch dims).
    y = F.scaled_dot_product_attention(gg.tensor(q), gg.tensor(k[0, :1]), gg.tensor(v[0, :1]))
    ty = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k[0, :1]), torch.tensor(v[0, :1]))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-10)


# ------------------------------------------------------------------ MultiheadAttention
def _pair(torch, seed=0, dtype="float64", **kw):
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(**kw).to(getattr(torch, dtype))
    ours = nn.MultiheadAttention(**kw).to(dtype=getattr(gg, dtype))
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


MHA = {
    "self": (dict(embed_dim=8, num_heads=2), dict(self_attn=True)),
    "cross": (dict(embed_dim=8, num_heads=4), {}),
    "batch_first": (dict(embed_dim=8, num_heads=2, batch_first=True), dict(self_attn=True)),
    "no_weights": (dict(embed_dim=8, num_heads=2), dict(need_weights=False)),
    "per_head": (dict(embed_dim=8, num_heads=2), dict(average_attn_weights=False)),
    "kdim_vdim": (dict(embed_dim=8, num_heads=2, kdim=5, vdim=3), {}),
    "no_bias": (dict(embed_dim=8, num_heads=2, bias=False), {}),
    "bias_kv_zero_attn": (dict(embed_dim=8, num_heads=2, add_bias_kv=True, add_zero_attn=True),
                          dict(key_padding_mask=True, attn_mask="bool")),
    "padding_mask": (dict(embed_dim=8, num_heads=2), dict(key_padding_mask=True)),
    "bool_mask": (dict(embed_dim=8, num_heads=2), dict(attn_mask="bool")),
    "float_mask_3d": (dict(embed_dim=8, num_heads=2), dict(attn_mask="float3d",
                                                          need_weights=False)),
    "causal": (dict(embed_dim=8, num_heads=2), dict(attn_mask="causal", is_causal=True,
                                                     need_weights=False)),
    "unbatched": (dict(embed_dim=8, num_heads=2), dict(unbatched=True, key_padding_mask=True)),
}


def _mha_inputs(kw, opts, r):
    e = kw["embed_dim"]
    lq, s, n = 4, 5, 3
    if opts.get("self_attn"):
        s = lq
    unbatched = opts.get("unbatched")

    def shape(length, dim):
        if unbatched:
            return (length, dim)
        return (n, length, dim) if kw.get("batch_first") else (length, n, dim)
    q = r.standard_normal(shape(lq, e))
    if opts.get("self_attn"):
        k = v = q
    else:
        k = r.standard_normal(shape(s, kw.get("kdim") or e))
        v = r.standard_normal(shape(s, kw.get("vdim") or e))
    call = {"need_weights": opts.get("need_weights", True),
            "average_attn_weights": opts.get("average_attn_weights", True),
            "is_causal": opts.get("is_causal", False)}
    if opts.get("key_padding_mask"):
        m = r.random((s,) if unbatched else (n, s)) > 0.6
        m[..., 0] = False
        call["key_padding_mask"] = m
    mask = opts.get("attn_mask")
    if mask == "bool":
        m = r.random((lq, s)) > 0.7
        m[:, 1] = False
        call["attn_mask"] = m
    elif mask == "float3d":
        call["attn_mask"] = r.standard_normal((n * kw["num_heads"], lq, s))
    elif mask == "causal":
        call["attn_mask"] = np.triu(np.ones((lq, s), dtype=bool), 1)
    return (q, k, v), call


@pytest.mark.parametrize("name", list(MHA))
def test_multihead_attention_matches_torch(name, torch):
    kw, opts = MHA[name]
    ours, theirs = _pair(torch, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    (q, k, v), call = _mha_inputs(kw, opts, _rng(7))

    def tensors(lib):
        made = {}
        out = []
        for a in (q, k, v):
            if id(a) not in made:  # self-attention passes one tensor three times
                made[id(a)] = lib.tensor(a, requires_grad=True)
            out.append(made[id(a)])
        extra = {key: lib.tensor(val) if isinstance(val, np.ndarray) else val
                 for key, val in call.items()}
        return out, extra

    (gq, gk, gv), gkw = tensors(gg)
    (tq, tk, tv), tkw = tensors(torch)
    y, w = ours(gq, gk, gv, **gkw)
    ty, tw = theirs(tq, tk, tv, **tkw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    if tw is None:
        assert w is None
    else:
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
    g = _rng(8).standard_normal(tuple(ty.shape))
    (y * gg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    for o, t in [(gq, tq), (gk, tk), (gv, tv)]:
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    grads = dict(theirs.named_parameters())
    for pname, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[pname].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=pname)


def test_multihead_attention_float32_and_eval(torch):
    ours, theirs = _pair(torch, dtype="float32", embed_dim=8, num_heads=2, dropout=0.5)
    ours.eval()
    theirs.eval()
    x = _rng(9).standard_normal((4, 3, 8)).astype(np.float32)
    y, w = ours(gg.tensor(x), gg.tensor(x), gg.tensor(x))
    ty, tw = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    assert y.dtype == gg.float32
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_multihead_attention_dropout_in_training():
    gg.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = gg.randn(4, 3, 8)
    _, w = mha(x, x, x, average_attn_weights=False)
    w = w.detach().numpy()
    # Returned weights are after dropout: some are zero, kept ones are scaled by 2.
    assert (w == 0).any()
    rows = w.sum(-1)
    assert not np.allclose(rows, 1.0)
    mha.eval()
    with gg.no_grad():
        _, w = mha(x, x, x)
    np.testing.assert_allclose(w.numpy().sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("kw", [dict(embed_dim=8, num_heads=2), dict(embed_dim=6, num_heads=3,
                                                                     bias=False),
                                dict(embed_dim=8, num_heads=2, kdim=4, vdim=5,
                                     add_bias_kv=True)])
def test_multihead_attention_state_dict_and_init(kw, torch):
    ours, theirs = nn.MultiheadAttention(**kw), torch.nn.MultiheadAttention(**kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (tname, tp) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(p.shape) == tuple(tp.shape), name
    e = kw["embed_dim"]
    if kw.get("bias", True):
        assert not ours.in_proj_bias.numpy(force=True).any()
        assert not ours.out_proj.bias.numpy(force=True).any()
    if "kdim" not in kw:
        bound = math.sqrt(6 / (e + 3 * e))  # xavier_uniform_ on (3E, E)
        assert np.abs(ours.in_proj_weight.numpy(force=True)).max() <= bound


ERRORS = {
    "heads": lambda lib: lib.nn.MultiheadAttention(5, 2),
    "nonpositive": lambda lib: lib.nn.MultiheadAttention(0, 2),
    "qkv_dtypes": lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.zeros(2, 3, 4), lib.zeros(2, 5, 4), lib.zeros(2, 5, 4, dtype=lib.float64)),
    "mask_dtype": lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.zeros(2, 3, 4), lib.zeros(2, 5, 4), lib.zeros(2, 5, 4),
        attn_mask=lib.ones(3, 5, dtype=lib.int64)),
    "mask_and_causal": lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.zeros(2, 3, 4), lib.zeros(2, 5, 4), lib.zeros(2, 5, 4), attn_mask=lib.ones(3, 5),
        is_causal=True),
    "mha_rank": lambda lib: lib.nn.MultiheadAttention(4, 2)(
        lib.zeros(1, 2, 3, 4), lib.zeros(1, 2, 3, 4), lib.zeros(1, 2, 3, 4)),
    "mha_mask_shape": lambda lib: lib.nn.MultiheadAttention(4, 2)(
        lib.zeros(3, 2, 4), lib.zeros(5, 2, 4), lib.zeros(5, 2, 4),
        attn_mask=lib.zeros(3, 4)),
    "mha_causal_without_mask": lambda lib: lib.nn.MultiheadAttention(4, 2)(
        lib.zeros(3, 2, 4), lib.zeros(5, 2, 4), lib.zeros(5, 2, 4), is_causal=True),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name, torch):
    from torch_compare import same
    same(ERRORS[name], torch)
