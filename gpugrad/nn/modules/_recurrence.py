"""One time step of each recurrent cell, and the loop over time of one layer and direction.

Shared by the recurrent layers and their cells in ``rnn.py``. Everything is gpugrad ops, so
the recurrence is differentiable (twice) without a backward of its own.
"""
from ...ops.linear import linear
from ...ops.shape import cat
from ...ops.unary import relu, sigmoid, tanh

# ---------------------------------------------------------------- one step of each cell
# ``gi`` is the input's share of the gates (x @ W_ih.T + b_ih, precomputed for the whole
# sequence); ``state`` is (h,) or (h, c). Arithmetic follows ATen's CPU cells term by term.
def rnn_tanh_step(gi, state, w_hh, b_hh, w_hr):
    return (tanh(linear(state[0], w_hh, b_hh) + gi),)


def rnn_relu_step(gi, state, w_hh, b_hh, w_hr):
    return (relu(linear(state[0], w_hh, b_hh) + gi),)


def lstm_step(gi, state, w_hh, b_hh, w_hr):
    h, c = state
    i, f, g, o = (linear(h, w_hh, b_hh) + gi).chunk(4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    if w_hr is not None:
        h = linear(h, w_hr, None)
    return h, c


def gru_step(gi, state, w_hh, b_hh, w_hr):
    # ``gi`` may come already split into its (r, z) and n parts (see ``input_steps``).
    h = state[0]
    i_rz, i_n = gi if isinstance(gi, tuple) else gi.split(2 * h.size(1), 1)
    h_rz, h_n = linear(h, w_hh, b_hh).split(2 * h.size(1), 1)
    # r and z in one sigmoid: elementwise, so the numbers are those of two separate ones.
    r, z = sigmoid(i_rz + h_rz).chunk(2, 1)
    n = tanh(i_n + r * h_n)
    return ((h - n) * z + n,)


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step,
          "GRU": gru_step}


def input_steps(mode, gi, hidden_size, sizes):
    """The input gates ``gi`` of a whole sequence cut into its time steps: by unbind for a
    padded batch, by the batch sizes of a packed one. A GRU's are split into their (r, z) and
    n parts here, once, rather than in every step."""
    def cut(t):
        return t.unbind(0) if sizes is None else t.split(sizes, 0)
    if mode == "GRU":
        rz, n = gi.split(2 * hidden_size, -1)
        return list(zip(cut(rz), cut(n)))
    return cut(gi)


def run_direction(step, gis, state, weights, sizes, reverse):
    """Run one layer in one direction over the per-step input gates ``gis``.

    ``sizes`` is None for a padded batch, or a packed sequence's batch sizes (non-increasing):
    then rows drop out as their sequences end (forwards), or join as they begin (backwards),
    and each row's final state is the one from its own last step.
    Returns the per-step outputs in time order and the final state.
    """
    n = len(gis)
    outs = [None] * n
    if sizes is None:
        for t in (range(n - 1, -1, -1) if reverse else range(n)):
            state = step(gis[t], state, *weights)
            outs[t] = state[0]
        return outs, state
    if not reverse:
        finished = []  # pieces of the final state, for the rows whose sequences ended
        cur = sizes[0]
        for t in range(n):
            b = sizes[t]
            if b < cur:
                finished.append(tuple(s[b:cur] for s in state))
                state = tuple(s[:b] for s in state)
                cur = b
            state = step(gis[t], state, *weights)
            outs[t] = state[0]
        finished.append(state)
        finished.reverse()
        final = tuple(cat([p[k] for p in finished]) if len(finished) > 1 else finished[0][k]
                      for k in range(len(state)))
        return outs, final
    initial = state
    cur = sizes[-1]
    state = tuple(s[:cur] for s in initial)
    for t in range(n - 1, -1, -1):
        b = sizes[t]
        if b > cur:  # longer sequences start here, from their own initial state
            state = tuple(cat([s, s0[cur:b]]) for s, s0 in zip(state, initial))
            cur = b
        state = step(gis[t], state, *weights)
        outs[t] = state[0]
    return outs, state
