"""The same MLP and CNN, from the same initial weights, train like PyTorch's.

Twenty steps of SGD, Adam and AdamW in float64 must give PyTorch's losses (relative 1e-6),
and a state dict must round-trip through a weights file into PyTorch's equivalent model and
back.
"""
import numpy as np
import pytest

import gpugrad as gg

STEPS = 20


def _mlp(nn):
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 5))


def _cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, stride=1, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 5))


MODELS = {"mlp": (_mlp, (16, 20)), "cnn": (_cnn, (8, 1, 8, 8))}
OPTIMIZERS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": dict(lr=1e-2, amsgrad=True),
    "AdamW": dict(lr=1e-2, weight_decay=0.05),
}


def _copy_weights_to_torch(model, tmodel, torch):
    state = {k: torch.tensor(v.detach().numpy().copy()) for k, v in model.state_dict().items()}
    tmodel.load_state_dict(state)


@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_training_matches_torch(model_name, opt_name, torch):
    build, in_shape = MODELS[model_name]
    gg.manual_seed(0)
    model = build(gg.nn).double()
    tmodel = build(torch.nn).double()
    _copy_weights_to_torch(model, tmodel, torch)
    opt = getattr(gg.optim, opt_name)(model.parameters(), **OPTIMIZERS[opt_name])
    topt = getattr(torch.optim, opt_name)(tmodel.parameters(), foreach=False,
                                          **OPTIMIZERS[opt_name])
    rng = np.random.default_rng(0)
    # One fixed batch, so that the loss must fall as the model fits it.
    x = rng.standard_normal(in_shape)
    y = rng.integers(0, 5, in_shape[0])
    losses, tlosses = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = gg.nn.functional.cross_entropy(model(gg.tensor(x)), gg.tensor(y))
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = torch.nn.functional.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(y))
        tloss.backward()
        topt.step()
        losses.append(loss.item())
        tlosses.append(tloss.item())
    np.testing.assert_allclose(losses, tlosses, rtol=1e-6)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_state_dict_round_trips_through_a_file_and_torch(model_name, tmp_path, torch):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    build, in_shape = MODELS[model_name]
    gg.manual_seed(1)
    model = build(gg.nn).double()
    path = tmp_path / "weights.safetensors"
    gg.save(model.state_dict(), path)

    # Into PyTorch's equivalent model, through PyTorch's own safetensors reader.
    tmodel = build(torch.nn).double()
    tmodel.load_state_dict(safetensors_torch.load_file(str(path)))
    x = np.random.default_rng(2).standard_normal(in_shape)
    model.eval()
    tmodel.eval()
    with gg.no_grad():
        ours = model(gg.tensor(x)).numpy()
    with torch.no_grad():
        theirs = tmodel(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)

    # And back: PyTorch writes, gpugrad loads into a fresh model.
    tpath = tmp_path / "from_torch.safetensors"
    with torch.no_grad():
        for p in tmodel.parameters():
            p.mul_(0.5)
    safetensors_torch.save_file(tmodel.state_dict(), str(tpath))
    fresh = build(gg.nn).double()
    fresh.load_state_dict(gg.load(tpath))
    fresh.eval()
    with gg.no_grad():
        ours = fresh(gg.tensor(x)).numpy()
    with torch.no_grad():
        theirs = tmodel(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
