"""Attention: scaled_dot_product_attention and multi_head_attention_forward.

:class:`ScaledDotProductAttention` is one op from scores to output. For
``scaled_dot_product_attention`` (and ``nn.MultiheadAttention`` without weights) it keeps q, k,
v, the mask, the dropout mask and each row's log-sum-exp, and backward recomputes the
probabilities, as PyTorch's CPU flash kernel does: no score-sized buffer is held between
forward and backward. When ``nn.MultiheadAttention`` returns the attention weights they are a
second output, which the node saves (the caller holds them anyway) and differentiates through.

Example::

    >>> q = gg.randn(2, 4, 5, 8)  # (batch, heads, length, head_dim)
    >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
    gpugrad.Size([2, 4, 5, 8])
"""
import math

import numpy as np

from ..autograd.function import Function
from ..backend import get_array_module
from .linear import linear as _linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _scores(xp, q, k, mask, scale, causal):
    """``q @ k^T * scale`` with the causal or given mask applied: -inf where not allowed."""
    s = xp.matmul(q, k.swapaxes(-1, -2))
    s *= scale
    if causal:
        xp.copyto(s, -np.inf, where=~xp.tri(s.shape[-2], s.shape[-1], dtype=bool))
    if mask is not None:
        # In place where the mask broadcasts into the scores (the usual case).
        inside = np.broadcast_shapes(s.shape, mask.shape) == s.shape
        if mask.dtype.kind == "b":
            if inside:
                xp.copyto(s, -np.inf, where=~mask)
            else:
                s = xp.where(mask, s, -np.inf)
        elif inside:
            s += mask
        else:
            s = s + mask
    return s


class ScaledDotProductAttention(Function):
    """``softmax(q @ k^T * scale + mask) @ v`` with dropout.

    ``mask`` is None, a bool array (True takes part) or a float array (added to the scores);
    ``keep`` is None or the bool dropout mask, applied with ``dropout_scale``. With ``safe``
    a row that no key may attend to gives zeros (as PyTorch's SDPA); without, NaN (as a
    plain softmax, which ``MultiheadAttention`` uses when it returns weights).

    With ``weights`` the probabilities are a second output (``MultiheadAttention``'s
    attention weights) and are saved, as the caller holds them anyway. Without, only the
    output is returned and the node keeps q, k, v, the mask and the per-row log-sum-exp
    (L floats per row of scores instead of L x S), as PyTorch's CPU flash kernel does:
    backward recomputes the probabilities from them.
    """
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, q, k, v, mask, keep, scale, causal, dropout_scale, safe, weights):
        xp = get_array_module(q, k, v)
        s = _scores(xp, q, k, mask, scale, causal)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = s.max(axis=-1, keepdims=True)
            if safe:
                m = xp.where(xp.isfinite(m), m, 0)
            s -= m
            p = xp.exp(s, out=s)
            denom = p.sum(axis=-1, keepdims=True)
            if safe:
                denom[denom == 0] = 1
            p /= denom
            lse = None if weights else m + xp.log(denom)
        if keep is None:
            pd = p
        else:
            pd = xp.multiply(p, keep)
            pd *= dropout_scale
        out = xp.matmul(pd, v)
        del pd
        ctx.scale, ctx.dropout_scale = scale, dropout_scale
        ctx.causal, ctx.safe, ctx.weights = causal, safe, weights
        need = ctx.needs_input_grad
        scores = need[0] or need[1] or need[3]  # gradients through the scores need v
        if weights:
            ctx.save_for_backward(q if need[1] else None, k if need[0] else None,
                                  v if scores else None, None, keep, p)
        else:
            # q, k and the mask recompute the probabilities; inputs cost nothing new.
            ctx.save_for_backward(q, k, v if scores else None, mask, keep, lse)
        ctx.set_materialize_grads(False)
        return (out, p) if weights else out

    @staticmethod
    def backward(ctx, g_out, g_p=None):
        from ..autograd.grad_mode import is_grad_enabled
        q, k, v, mask, keep, saved = ctx.saved_tensors
        if ctx.weights:
            p = saved
        elif is_grad_enabled():
            # create_graph: the probabilities again from gpugrad ops, so that the gradient
            # below is differentiable in q, k and the mask. e / sum(e) is the softmax of the
            # scores whatever constant is taken off; the saved lse keeps exp in range.
            p = _probabilities(q, k, mask, saved, ctx.scale, ctx.causal, ctx.safe)
        else:
            return _flash_backward(ctx, g_out, q, k, v, mask, keep, saved)
        return _composed_backward(ctx, g_out, g_p, q, k, v, p, keep)


def _probabilities(q, k, mask, lse, scale, causal, safe):
    """Softmax probabilities of the masked scores, as a differentiable composition."""
    from ..tensor import _make
    from .arithmetic import where
    s = (q @ k.transpose(-1, -2)) * scale
    if causal:
        xp = get_array_module(s._data)
        s = where(_make(xp.tri(s.shape[-2], s.shape[-1], dtype=bool)), s, -math.inf)
    if mask is not None:
        s = where(mask, s, -math.inf) if mask._data.dtype.kind == "b" else s + mask
    e = (s - lse).exp()
    den = e.sum(dim=-1, keepdim=True)
    if safe:
        den = where(den == 0, 1.0, den)        # rows no key may attend to: p = 0
    return e / den


def _composed_backward(ctx, g_out, g_p, q, k, v, p, keep):
    """Backward from the probabilities ``p``, in gpugrad ops (twice differentiable)."""
    from .arithmetic import where
    need = ctx.needs_input_grad
    scale, ds = ctx.scale, ctx.dropout_scale
    gq = gk = gv = gmask = None
    grad_p = g_p
    scores = need[0] or need[1] or need[3]
    none = (None,) * 6
    if g_out is not None:
        if need[2]:
            pd = p if keep is None else where(keep, p * ds, 0.0)
            gv = pd.transpose(-1, -2) @ g_out
        if not scores:
            return (gq, gk, gv, gmask) + none
        gpd = g_out @ v.transpose(-1, -2)
        gpd = gpd if keep is None else where(keep, gpd * ds, 0.0)
        grad_p = gpd if grad_p is None else grad_p + gpd
    if grad_p is not None and scores:
        # Softmax backward; masked (and fully masked) positions have p = 0 and get 0.
        gs = p * (grad_p - (grad_p * p).sum(dim=-1, keepdim=True))
        if need[0]:
            gq = (gs @ k) * scale
        if need[1]:
            gk = (gs.transpose(-1, -2) @ q) * scale
        if need[3]:
            gmask = gs
    return (gq, gk, gv, gmask) + none


def _flash_backward(ctx, g_out, q, k, v, mask, keep, lse):
    """Backward on arrays, recomputing the probabilities from the row log-sum-exp.

    Grad mode is off here (no create_graph), so the results are constants. At most two
    score-sized buffers live at once: the probabilities and the gradient of the scores,
    built in place from ``g_out @ v^T``.
    """
    from ..tensor import _make
    need = ctx.needs_input_grad
    none = (None,) * 6
    if g_out is None:
        return (None,) * 4 + none
    scale, ds = ctx.scale, ctx.dropout_scale
    go = g_out._data
    xp = get_array_module(go)
    p = _scores(xp, q._data, k._data, None if mask is None else mask._data, scale, ctx.causal)
    p -= lse._data
    xp.exp(p, out=p)                # masked positions: exp(-inf) = 0
    keep = None if keep is None else keep._data
    gq = gk = gv = gmask = None
    if need[2]:
        if keep is None:
            gv = xp.matmul(p.swapaxes(-1, -2), go)
        else:
            pd = xp.multiply(p, keep)
            pd *= ds
            gv = xp.matmul(pd.swapaxes(-1, -2), go)
            del pd
        gv = _make(gv)
    if need[0] or need[1] or need[3]:
        gs = xp.matmul(go, v._data.swapaxes(-1, -2))
        if keep is not None:
            xp.multiply(gs, keep, out=gs)
            gs *= ds
        if gs.shape != p.shape:         # batch dims that only the mask or q/k broadcast to
            gs = xp.broadcast_to(gs, np.broadcast_shapes(gs.shape, p.shape)).copy()
        # Softmax backward: gs = p * (gpd - rowsum(gpd * p)); the row sums as batched dot
        # products, which need no third score-sized buffer.
        gs -= xp.matmul(gs[..., None, :], p[..., :, None])[..., 0]
        gs *= p
        del p
        if need[0]:
            gq = xp.matmul(gs, k._data)
            gq *= scale
            gq = _make(gq)
        if need[1]:
            gk = xp.matmul(gs.swapaxes(-1, -2), q._data)
            gk *= scale
            gk = _make(gk)
        if need[3]:
            gmask = _make(gs)
    return (gq, gk, gv, gmask) + none


def _keep_mask(shape, p, like):
    """A bool dropout mask (True keeps), drawn from gpugrad's generator."""
    from .creation import rand
    return rand(*shape, dtype=like.dtype, device=like.device) >= p


def _attention(q, k, v, mask, dropout_p, causal, scale, safe, weights=False):
    """(output, probabilities before dropout, probabilities after dropout); without
    ``weights`` the probabilities are not kept, and both are None."""
    if dropout_p > 0.0:
        batch = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]))
        keep = _keep_mask(batch + (q.shape[-2], k.shape[-2]), dropout_p, q)
        ds = 1.0 / (1.0 - dropout_p) if dropout_p < 1.0 else 0.0
    else:
        keep, ds = None, 1.0
    if not weights:
        return ScaledDotProductAttention.apply(q, k, v, mask, keep, scale, causal, ds, safe,
                                               False), None, None
    out, p = ScaledDotProductAttention.apply(q, k, v, mask, keep, scale, causal, ds, safe, True)
    if keep is None:
        return out, p, p
    from .arithmetic import where
    return out, p, where(keep, p * ds, 0.0)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key^T / sqrt(E) + mask) @ value``, as PyTorch's.

    ``attn_mask``: bool (True takes part) or float (added to the scores), broadcastable to
    (..., L, S). ``is_causal``: a top-left aligned lower-triangular mask. Rows with no key
    to attend to give zeros. ``dropout_p`` drops attention probabilities (always, as
    PyTorch's functional form; pass 0.0 in eval).

    Example::

        >>> q, k, v = gg.randn(1, 3, 4), gg.randn(1, 5, 4), gg.randn(1, 5, 6)
        >>> scaled_dot_product_attention(q, k, v).shape
        gpugrad.Size([1, 3, 6])
    """
    dts = [t._data.dtype for t in (query, key, value)]
    if not dts[0] == dts[1] == dts[2]:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_C_NAMES.get(dts[0].name)} key.dtype: "
                           f"{_C_NAMES.get(dts[1].name)} and value.dtype: "
                           f"{_C_NAMES.get(dts[2].name)} instead.")
    if dts[0].kind != "f":
        raise RuntimeError(f"Expected query, key and value to be floating point tensors, but "
                           f"got query.dtype: {_C_NAMES.get(dts[0].name)}")
    if attn_mask is not None:
        md = attn_mask._data.dtype
        if md.kind != "b" and md != dts[0]:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {_C_NAMES.get(md.name)} and  "
                               f"query.dtype: {_C_NAMES.get(dts[0].name)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError("scaled_dot_product_attention: query, key and value must be at "
                           "least 2-D")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: expected query (..., L, E), key "
                           f"(..., S, E) and value (..., S, Ev), but got query "
                           f"{list(query.shape)}, key {list(key.shape)} and value "
                           f"{list(value.shape)}")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk:
            raise RuntimeError(f"number of heads in key/value must divide number of heads in "
                               f"query, got {hk} and {hq}")
        key = key.repeat_interleave(hq // hk, dim=-3)
        value = value.repeat_interleave(hq // hk, dim=-3)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, True)[0]


# ------------------------------------------------------------------ multi-head attention
def _canonical_mask(mask, name, dtype):
    """A bool mask (True: masked out) as an additive float mask; float masks pass."""
    if mask is None:
        return None
    md = mask._data.dtype
    if md.kind not in "bf":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if md.kind == "b":
        from .creation import zeros
        return zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, -math.inf)
    return mask


def _pad_last(mask):
    """One more (unmasked) column, for the extra key of bias_k or add_zero_attn."""
    from .creation import zeros
    from .shape import cat
    return cat([mask, zeros(mask.shape[:-1] + (1,), dtype=mask.dtype, device=mask.device)],
               dim=-1)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.ndim}-D and {value.ndim}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.ndim}-D tensor "
                                 f"instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be "
                                 f"`None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
                                 f"instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to "
                                 f"be 2-D but found {key.ndim}-D and {value.ndim}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.ndim}-D tensor "
                                 f"instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor")


def _project(query, key, value, w, b, separate):
    """q, k, v projections: one GEMM for self-attention with packed weights."""
    if separate is not None:
        wq, wk, wv = separate
        bq = bk = bv = None
        if b is not None:
            bq, bk, bv = b.chunk(3)
        return _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)
    e = query.shape[-1]
    if query is key and key is value:
        return tuple(_linear(query, w, b).split(e, dim=-1))
    wq, wkv = w[:e], w[e:]
    bq, bkv = (None, None) if b is None else (b[:e], b[e:])
    if key is value:
        return (_linear(query, wq, bq),) + tuple(_linear(key, wkv, bkv).split(e, dim=-1))
    wk, wv = wkv[:e], wkv[e:]
    bk, bv = (None, None) if bkv is None else (bkv[:e], bkv[e:])
    return _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """The computation of ``nn.MultiheadAttention`` on (L, N, E) inputs, as PyTorch's.

    Returns ``(output, weights)``; weights is None unless ``need_weights``. Masks: bool
    (True: not allowed) or float (added); ``key_padding_mask`` is (N, S).

    Example::

        >>> x = gg.randn(5, 2, 8)
        >>> w, wo = gg.randn(24, 8), gg.randn(8, 8)
        >>> out, attn = multi_head_attention_forward(x, x, x, 8, 2, w, None, None, None,
        ...                                          False, 0.0, wo, None)
        >>> out.shape, attn.shape
        (gpugrad.Size([5, 2, 8]), gpugrad.Size([2, 5, 5]))
    """
    is_batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    dtype = query.dtype
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # The hint alone suffices: SDPA builds the causal mask itself.
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
        if any(w is None for w in separate):
            raise AssertionError("use_separate_proj_weight is True but a q/k/v_proj_weight is "
                                 "None")
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        separate = None
    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, separate)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    from .shape import cat
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None else
                             "bias_v is set but bias_k is None")

    # (L, N, E) -> (N * heads, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_v is None else static_v)
    if add_zero_attn:
        from .creation import zeros
        k = cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], 1)
        v = cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], 1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {key_padding_mask.shape}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    # need_weights follows PyTorch's explicit softmax (NaN rows where all keys are masked,
    # is_causal only a hint: the mask says it all); otherwise its SDPA (zeros there).
    out, _, weights = _attention(q, k, v, attn_mask, dropout_p, is_causal and not need_weights,
                                 1.0 / math.sqrt(head_dim), not need_weights, need_weights)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not need_weights:
        return (out if is_batched else out.squeeze(1)), None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        out, weights = out.squeeze(1), weights.squeeze(0)
    return out, weights
