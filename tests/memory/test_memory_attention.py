"""Attention keeps each row's log-sum-exp, not its probabilities, and its backward holds at most
two score-sized buffers at once (the probabilities, recomputed, and the scores' gradient)."""
import gc
import tracemalloc

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.memory._saved import node_saved_bytes

B, H, L, S, E = 4, 4, 128, 128, 32
SCORES = B * H * L * S * 4          # one float32 (B, H, L, S) buffer: 1 MiB


def _qkv():
    gg.manual_seed(0)
    return [gg.randn(B, H, n, E, requires_grad=True) for n in (L, S, S)]


def test_sdpa_keeps_inputs_and_row_logsumexp_only():
    q, k, v = _qkv()
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    # q, k, v are the inputs (no new bytes); beyond them one float per row of scores.
    assert node_saved_bytes(y.grad_fn) == q.nbytes + k.nbytes + v.nbytes + B * H * L * 4


def test_multihead_attention_without_weights_keeps_no_scores():
    gg.manual_seed(0)
    mha = gg.nn.MultiheadAttention(64, 4, batch_first=True)
    x = gg.randn(8, 128, 64)
    out, w = mha(x, x, x, need_weights=False)
    assert w is None
    node = out.grad_fn
    seen, stack = set(), [node]
    biggest = 0
    while stack:             # every node of the graph: none holds an (8*4, 128, 128) buffer
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        biggest = max(biggest, node_saved_bytes(n))
        stack.extend(e[0] for e in n._next if e is not None)
    assert biggest < 8 * 4 * 128 * 128 * 4


def test_sdpa_backward_holds_two_score_buffers_at_most():
    q, k, v = _qkv()
    y = F.scaled_dot_product_attention(q, k, v)
    loss = (y * y).sum()
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Every allocation counts here, NumPy scratch included: two score buffers, the incoming
    # gradient (y's size), the three input gradients, and a little for Python objects.
    small = y.nbytes + q.nbytes + k.nbytes + v.nbytes
    assert peak - base <= 2 * SCORES + small + SCORES // 16
