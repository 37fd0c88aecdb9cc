"""Shared fixtures: ``device`` runs a test on cpu and, where CuPy sees a GPU, on cuda;
``torch`` hands a test PyTorch, or skips it where PyTorch is not installed."""
import pytest

import gpugrad as gg


def _devices():
    devices = ["cpu"]
    try:
        if gg.cuda.is_available():
            devices.append("cuda")
    except Exception:  # a broken CuPy install must not break collection
        pass
    return devices


@pytest.fixture(params=_devices())
def device(request):
    return request.param


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _fresh_grad_mode():
    """Every test starts in grad mode, outside inference mode: a mode left switched (also by
    a decorator built while collecting, such as ``set_grad_enabled(False)`` in a
    parametrize list) must not leak into other tests."""
    from gpugrad.autograd.grad_mode import _tls
    _tls.grad_enabled = True
    _tls.inference = False
    yield
