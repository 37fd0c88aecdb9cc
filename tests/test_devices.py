"""Devices: 'cpu', 'cuda', 'cuda:N' wherever a device is taken, the default-device rule, and
the one clear error a user gets when cuda is asked for where it cannot run.

Most of this runs without a GPU: a machine without CuPy, or with CuPy but no GPU, is
simulated by replacing the lazy import or CuPy's answers. The GPU half is marked ``gpu``.
"""
import os
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import backend
from gpugrad.backend import cuda

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "backend"))
from _fake_cuda import fake_cuda_tensor  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
HAS_GPU = cuda.is_available()
no_gpu_here = pytest.mark.skipif(HAS_GPU, reason="checks what happens without a GPU")
MIXED = "Expected all tensors to be on the same device, but found at least two devices, "


@pytest.fixture
def clean(monkeypatch):
    """No default set by hand, no GPUGRAD_DEVICE, availability asked afresh."""
    monkeypatch.delenv("GPUGRAD_DEVICE", raising=False)
    gg.set_default_device(None)
    cuda._reset()
    yield monkeypatch
    monkeypatch.undo()
    gg.set_default_device(None)
    cuda._reset()


def _no_cupy():
    raise ImportError("No module named 'cupy'")


def _fake_cupy(device_count=None, runtime_major=12, error="cudaErrorInsufficientDriver: "
               "CUDA driver version is insufficient for CUDA runtime version"):
    """A cupy module whose device queries answer as on a machine without a usable GPU."""
    def get_device_count():
        if device_count is None:
            raise RuntimeError(error)
        return device_count
    runtime = types.SimpleNamespace(getDeviceCount=get_device_count,
                                    runtimeGetVersion=lambda: runtime_major * 1000 + 90)
    return types.SimpleNamespace(__version__="14.2.0", cuda=types.SimpleNamespace(runtime=runtime))


def _alone(error):
    """True when a traceback shows this error only, no chained one above it."""
    return error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def _cuda_requests():
    x = gg.tensor([1.0, 2.0])
    return {
        "zeros(device='cuda')": lambda: gg.zeros(2, device="cuda"),
        "tensor(device='cuda:0')": lambda: gg.tensor([1.0], device="cuda:0"),
        "randn(device=gg.device('cuda'))": lambda: gg.randn(2, device=gg.device("cuda")),
        "arange(device='cuda:1')": lambda: gg.arange(3, device="cuda:1"),
        "zeros_like(device='cuda')": lambda: gg.zeros_like(x, device="cuda"),
        "Tensor.cuda()": lambda: x.cuda(),
        "Tensor.cuda(0)": lambda: x.cuda(0),
        "Tensor.to('cuda')": lambda: x.to("cuda"),
        "Tensor.to(device='cuda:0')": lambda: x.to(device="cuda:0"),
        "gg.cuda.synchronize()": lambda: gg.cuda.synchronize(),
        "gg.cuda.current_device()": lambda: gg.cuda.current_device(),
    }


# --------------------------------------------------------------------------- parsing

@pytest.mark.parametrize("spec,kind,index,text", [
    ("cpu", "cpu", None, "cpu"), ("cuda", "cuda", None, "cuda"), ("cuda:0", "cuda", 0, "cuda:0"),
    ("cuda:3", "cuda", 3, "cuda:3"), (1, "cuda", 1, "cuda:1")])
def test_device_strings(spec, kind, index, text):
    d = gg.device(spec)
    assert (d.type, d.index, str(d)) == (kind, index, text)
    assert isinstance(d, gg.device) and gg.device(d) is d
    assert d == text and hash(d) == hash(gg.device(text))


def test_device_with_separate_index_and_repr():
    assert gg.device("cuda", 1) == gg.device("cuda:1")
    assert repr(gg.device("cuda:1")) == "device(type='cuda', index=1)"
    assert repr(gg.device("cpu")) == "device(type='cpu')"
    assert gg.device("cpu") != gg.device("cuda:0") and gg.device("cuda:0") != gg.device("cuda:1")


@pytest.mark.parametrize("spec,message", [
    ("gpu", "Expected one of cpu, cuda device type at start of device string: gpu"),
    ("cuda:x", "Invalid device string: 'cuda:x'"),
    ("cpu:1", "CPU device index must be -1 or zero, got 1")])
def test_bad_device_strings_say_why(spec, message):
    with pytest.raises(RuntimeError, match=message):
        gg.device(spec)
    with pytest.raises(RuntimeError, match=message):
        gg.zeros(1, device=spec)


def test_bad_device_types():
    with pytest.raises(TypeError, match="device"):
        gg.device(1.5)
    with pytest.raises(RuntimeError, match="must not include an index"):
        gg.device("cuda:1", 2)


def test_torch_devices_are_accepted():
    torch = pytest.importorskip("torch")
    assert gg.device(torch.device("cuda:2")) == gg.device("cuda:2")
    assert gg.zeros(2, device=torch.device("cpu")).device == "cpu"
    assert gg.ones(2).to(torch.device("cpu")).device == "cpu"


@pytest.mark.parametrize("dev", ["cpu", gg.device("cpu"), "cpu:0"])
@pytest.mark.parametrize("factory", [
    lambda d: gg.tensor([1.0], device=d), lambda d: gg.zeros(2, device=d),
    lambda d: gg.ones(2, device=d), lambda d: gg.empty(2, device=d),
    lambda d: gg.full((2,), 3.0, device=d), lambda d: gg.arange(3, device=d),
    lambda d: gg.linspace(0, 1, 3, device=d), lambda d: gg.eye(2, device=d),
    lambda d: gg.rand(2, device=d), lambda d: gg.randn(2, device=d),
    lambda d: gg.randint(0, 5, (2,), device=d), lambda d: gg.zeros_like(gg.ones(2), device=d)])
def test_factories_take_every_cpu_spelling(factory, dev):
    t = factory(dev)
    assert t.device == gg.device("cpu") and type(t._data) is np.ndarray


def test_to_cpu_is_a_no_op_on_cpu():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(gg.device("cpu")) is x
    assert x.to(device="cpu", dtype=gg.float64).dtype == gg.float64
    assert x.to(gg.zeros(1, dtype=gg.float64)).dtype == gg.float64
    assert not x.is_cuda


# --------------------------------------------------------------------------- default device

def test_default_is_cuda_exactly_where_cupy_sees_a_gpu(clean):
    assert gg.get_default_device() == ("cuda" if cuda.is_available() else "cpu")
    clean.setattr(cuda, "is_available", lambda: True)
    backend._reset_default()
    assert gg.get_default_device() == gg.device("cuda")
    clean.setattr(cuda, "is_available", lambda: False)
    backend._reset_default()
    assert gg.get_default_device() == gg.device("cpu")


def test_environment_beats_detection_and_set_default_beats_both(clean):
    clean.setattr(cuda, "is_available", lambda: True)
    clean.setenv("GPUGRAD_DEVICE", "cpu")
    assert gg.get_default_device() == "cpu"          # read on each call, not at import
    assert gg.zeros(1).device == "cpu"
    clean.setenv("GPUGRAD_DEVICE", "cuda:1")
    assert gg.get_default_device() == gg.device("cuda:1")
    gg.set_default_device("cpu")
    assert gg.get_default_device() == "cpu" and gg.ones(2).device == "cpu"
    gg.set_default_device(None)
    assert gg.get_default_device() == gg.device("cuda:1")


def test_a_bad_environment_variable_is_named(clean):
    clean.setenv("GPUGRAD_DEVICE", "gpu")
    with pytest.raises(RuntimeError, match="GPUGRAD_DEVICE=gpu does not name a device"):
        gg.zeros(1)
    clean.setenv("GPUGRAD_DEVICE", "")        # empty means unset
    assert gg.zeros(1).device == ("cuda:0" if HAS_GPU else "cpu")


def test_set_default_device_parses_at_once(clean):
    with pytest.raises(RuntimeError, match="device string: tpu"):
        gg.set_default_device("tpu")
    assert gg.get_default_device() == ("cuda" if HAS_GPU else "cpu")


# --------------------------------------------------------------------------- cuda unavailable

@no_gpu_here
@pytest.mark.parametrize("name", sorted(_cuda_requests()))
def test_asking_for_cuda_without_a_gpu_raises_one_clear_error(clean, name):
    with pytest.raises(RuntimeError) as info:
        _cuda_requests()[name]()
    message = str(info.value)
    assert message.startswith("CUDA is not available: "), message
    assert "device='cpu'" in message, message
    # One exception, not CuPy's error with ours stacked on top of it.
    assert _alone(info.value)
    if cuda._installed_cupy():
        # CuPy is there (as on Colab): installing another would only break it.
        assert "is installed" in message and "pip install" not in message, message


@no_gpu_here
def test_the_answers_without_a_gpu(clean):
    assert gg.cuda.is_available() is False and gg.cuda.device_count() == 0
    assert gg.get_default_device() == "cpu"
    assert (gg.ones(2) * 2).sum().item() == 4.0       # the cpu keeps working


@no_gpu_here
def test_set_default_device_cuda_says_how_to_undo_it(clean):
    gg.set_default_device("cuda")
    assert gg.get_default_device() == gg.device("cuda")     # setting it never raises
    with pytest.raises(RuntimeError, match=r"gg.set_default_device\('cpu'\) undoes it"):
        gg.ones(2)


@no_gpu_here
def test_gpugrad_device_cuda_in_a_fresh_process():
    env = dict(os.environ, GPUGRAD_DEVICE="cuda", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", "import gpugrad as gg; gg.zeros(1)"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 1
    assert r.stderr.count("Traceback") == 1, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: CUDA is not available: "), last
    assert "GPUGRAD_DEVICE=cuda makes cuda the default device" in last, last


@pytest.mark.parametrize("major,extras", [(12, ["cuda12"]), (13, ["cuda13"]),
                                          (None, ["cuda12", "cuda13"])])
def test_without_cupy_the_error_says_what_to_install(clean, major, extras):
    clean.setattr(cuda, "_import_cupy", _no_cupy)
    clean.setattr(cuda, "_installed_cupy", lambda: [])
    clean.setattr(cuda, "_driver_cuda_major", lambda: major)
    assert gg.cuda.is_available() is False and gg.get_default_device() == "cpu"
    for name, request in _cuda_requests().items():
        with pytest.raises(RuntimeError) as info:
            request()
        message = str(info.value)
        assert message.startswith("CUDA is not available: gpugrad runs cuda tensors with CuPy, "
                                  "which is not installed."), (name, message)
        for extra in ("cuda12", "cuda13"):
            assert (f'pip install "gpugrad[{extra}]"' in message) is (extra in extras), message
        assert _alone(info.value), name


def test_import_and_cpu_work_when_cupy_cannot_be_imported():
    code = ("import sys; sys.modules['cupy'] = None\n"     # makes `import cupy` fail
            "import gpugrad as gg\n"
            "gg.cuda._installed_cupy = lambda: []\n"
            "x = gg.tensor([1.0, 2.0], requires_grad=True); (x * x).sum().backward()\n"
            "assert x.grad.tolist() == [2.0, 4.0]\n"
            "assert not gg.cuda.is_available() and gg.get_default_device() == 'cpu'\n"
            "try:\n    gg.zeros(1, device='cuda')\n"
            "except RuntimeError as e:\n    print(e)\n")
    env = {k: v for k, v in os.environ.items() if k != "GPUGRAD_DEVICE"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(env, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr
    assert 'pip install "gpugrad[cuda1' in r.stdout, r.stdout


def test_a_driver_older_than_cupys_cuda_says_which_package_to_swap(clean):
    clean.setattr(cuda, "_import_cupy", lambda: _fake_cupy(runtime_major=13))
    clean.setattr(cuda, "_installed_cupy", lambda: ["cupy-cuda13x 14.2.0"])
    clean.setattr(cuda, "_driver_cuda_major", lambda: 12)
    with pytest.raises(RuntimeError) as info:
        gg.zeros(1, device="cuda")
    message = str(info.value)
    assert "the NVIDIA driver supports CUDA 12, older than the CUDA 13" in message, message
    assert 'pip uninstall cupy-cuda13x, then pip install "gpugrad[cuda12]"' in message, message


def test_a_driver_but_no_device(clean):
    clean.setattr(cuda, "_import_cupy", lambda: _fake_cupy(device_count=0))
    clean.setattr(cuda, "_installed_cupy", lambda: ["cupy-cuda12x 14.2.0"])
    clean.setattr(cuda, "_driver_cuda_major", lambda: 12)
    assert gg.cuda.is_available() is False and gg.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="no CUDA device found.*nvidia-smi") as info:
        gg.tensor([1.0]).cuda()
    assert "pip install" not in str(info.value)


def test_no_driver_at_all(clean):
    # The situation of a Colab CPU runtime: CuPy preinstalled, no driver.
    clean.setattr(cuda, "_import_cupy", lambda: _fake_cupy())
    clean.setattr(cuda, "_installed_cupy", lambda: ["cupy-cuda12x 14.2.0"])
    clean.setattr(cuda, "_driver_cuda_major", lambda: None)
    with pytest.raises(RuntimeError) as info:
        gg.zeros(1, device="cuda")
    message = str(info.value)
    assert "CuPy (cupy-cuda12x 14.2.0) is installed, but no NVIDIA driver was found" in message
    assert "Nothing more needs installing" in message and "Change runtime type" in message


# --------------------------------------------------------------------------- mixing devices

@no_gpu_here
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b,
                                lambda a, b: a @ b.reshape(2, 1)], ids=["add", "mul", "sub",
                                                                        "matmul"])
def test_mixing_devices_names_both(op):
    c, x = fake_cuda_tensor([1.0, 2.0]), gg.tensor([1.0, 2.0])
    assert c.device == gg.device("cuda:0") and c.is_cuda
    with pytest.raises(RuntimeError) as info:
        op(c, x)
    assert str(info.value) == MIXED + "cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=MIXED + "(cuda:0 and cpu|cpu and cuda:0)!"):
        op(x, c)


@no_gpu_here
def test_mixing_devices_while_recording_and_in_place():
    c, x = fake_cuda_tensor([1.0, 2.0]), gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=MIXED + "(cuda:0 and cpu|cpu and cuda:0)!"):
        x * c
    with pytest.raises(RuntimeError, match=MIXED + "cuda:0 and cpu!"):
        gg.ones(2).add_(c)
    with pytest.raises(RuntimeError, match=MIXED + "(cuda:0 and cpu|cpu and cuda:0)!"):
        gg.cat([gg.ones(2), c])


# --------------------------------------------------------------------------- on a GPU

@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA device")
@pytest.mark.parametrize("spec", ["cuda", "cuda:0", 0, gg.device("cuda")], ids=str)
def test_gpu_factories_and_moves(spec):
    t = gg.arange(4.0, device=spec)
    assert t.is_cuda and t.device == gg.device("cuda:0")
    assert t.cpu().tolist() == [0.0, 1.0, 2.0, 3.0] and t.cpu().device == "cpu"
    assert t.to("cuda:0") is t and t.cuda() is t


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA device")
def test_gpu_gradients_flow_back_across_devices():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.cuda() * 3).cpu().sum()
    y.backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [3.0, 3.0]
    w = gg.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    (w.cpu() ** 2).sum().backward()
    assert w.grad.is_cuda and w.grad.cpu().tolist() == [2.0, 4.0]


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA device")
def test_gpu_real_mixing_message():
    with pytest.raises(RuntimeError) as info:
        gg.ones(2, device="cuda") + gg.ones(2)
    assert str(info.value) == MIXED + "cuda:0 and cpu!"


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA device")
def test_gpu_default_device_and_synchronize(clean):
    assert gg.get_default_device() == gg.device("cuda")
    assert gg.zeros(1).is_cuda
    gg.set_default_device("cpu")
    assert not gg.zeros(1).is_cuda
    gg.cuda.synchronize()
    gg.cuda.synchronize("cuda:0")
    assert gg.cuda.device_count() >= 1 and gg.cuda.current_device() == 0


@pytest.mark.gpu
@pytest.mark.skipif(cuda.device_count() < 2, reason="needs two CUDA devices")
def test_gpu_second_device():
    t = gg.ones(2, device="cuda:1")
    assert t.device == gg.device("cuda:1")
    u = t.to("cuda:0")
    assert u.device == gg.device("cuda:0") and u.cpu().tolist() == [1.0, 1.0]
    u.add_(1)
    assert t.cpu().tolist() == [1.0, 1.0]        # a move copies
    with pytest.raises(RuntimeError, match=MIXED):
        t + u
