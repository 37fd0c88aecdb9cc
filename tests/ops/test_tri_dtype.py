"""tril/triu keep their input's dtype (bool included), as PyTorch's, so that a bool causal mask
made with ``triu`` works as ``attn_mask`` in ``nn.MultiheadAttention``."""
import numpy as np
import pytest

import gpugrad as gg
from tests.torch_compare import same

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("diagonal", [-1, 0, 1])
def test_tri_keeps_dtype_as_torch(torch, name, dtype, diagonal):
    data = (np.arange(2 * 3 * 4).reshape(2, 3, 4) % 3).tolist()

    def fn(lib):
        x = lib.tensor(data, dtype=getattr(lib, dtype))
        inplace = x.clone()
        getattr(inplace, name + "_")(diagonal)
        return (getattr(lib, name)(x, diagonal=diagonal), getattr(x, name)(diagonal), inplace)
    same(fn, torch)


def test_bool_tri_on_device(device):
    mask = gg.triu(gg.ones(4, 4, dtype=gg.bool, device=device), diagonal=1)
    assert mask.dtype is gg.bool and mask.device == gg.device(device)
    np.testing.assert_array_equal(mask.cpu().numpy(), np.triu(np.ones((4, 4), bool), 1))
    low = gg.ones(3, 3, dtype=gg.bool, device=device).tril()
    assert low.dtype is gg.bool
    np.testing.assert_array_equal(low.cpu().numpy(), np.tril(np.ones((3, 3), bool)))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_bool_causal_mask_in_multihead_attention(torch, need_weights, batch_first):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    ours = gg.nn.MultiheadAttention(8, 2, batch_first=batch_first).to(dtype=gg.float64)
    ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((3, 4, 8) if batch_first else (4, 3, 8))
    xg = gg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    mask_g = gg.triu(gg.ones(4, 4, dtype=gg.bool), diagonal=1)
    mask_t = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    assert mask_g.dtype is gg.bool and mask_t.dtype == torch.bool
    out_g, w_g = ours(xg, xg, xg, attn_mask=mask_g, need_weights=need_weights)
    out_t, w_t = theirs(xt, xt, xt, attn_mask=mask_t, need_weights=need_weights)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    if need_weights:
        np.testing.assert_allclose(w_g.detach().numpy(), w_t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        # A causal mask: nothing after the query's own position gets weight.
        upper = np.triu(np.ones((4, 4), bool), 1)
        assert (w_g.detach().numpy()[:, upper] == 0).all()
    else:
        assert w_g is None and w_t is None
    out_g.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
