"""gg.cuda.manual_seed / manual_seed_all and gg.default_generator, as in PyTorch."""
import pytest

import gpugrad as gg
from gpugrad import random as gg_random
from gpugrad.backend import cuda


def test_default_generator_is_the_cpu_generator():
    assert gg.default_generator is gg_random.default_generator
    assert gg.manual_seed(3) is gg.default_generator
    assert gg.default_generator.initial_seed() == 3


@pytest.mark.skipif(cuda.is_available(), reason="checks the machine without a GPU")
def test_cuda_seeding_without_a_gpu_does_nothing():
    # The usual set_seed recipe calls both; PyTorch ignores the cuda ones without a GPU.
    gg.manual_seed(0)
    expected = gg.rand(3)
    gg.manual_seed(0)
    assert gg.cuda.manual_seed(1) is None
    assert gg.cuda.manual_seed_all(1) is None
    assert bool((gg.rand(3) == expected).all())
    assert gg_random._cuda_generators == {}


class _Recorder:
    def __init__(self, device):
        self.device, self.seed = device, None

    def manual_seed(self, seed):
        self.seed = seed
        return self


@pytest.fixture
def two_fake_gpus(monkeypatch):
    monkeypatch.setattr(cuda, "is_available", lambda: True)
    monkeypatch.setattr(cuda, "device_count", lambda: 2)
    monkeypatch.setattr(cuda, "current_device", lambda: 1)
    monkeypatch.setattr(gg_random, "Generator", _Recorder)
    monkeypatch.setattr(gg_random, "_cuda_generators", {})
    return gg_random._cuda_generators


def test_cuda_manual_seed_seeds_the_current_device_only(two_fake_gpus):
    gg.cuda.manual_seed(5)
    assert list(two_fake_gpus) == [1]
    assert two_fake_gpus[1].device == "cuda:1" and two_fake_gpus[1].seed == 5


def test_cuda_manual_seed_all_seeds_every_device(two_fake_gpus):
    gg.cuda.manual_seed_all(7)
    assert sorted(two_fake_gpus) == [0, 1]
    assert [two_fake_gpus[i].seed for i in (0, 1)] == [7, 7]


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs CuPy and a CUDA device")
def test_cuda_manual_seed_makes_cuda_draws_repeat():
    gg.cuda.manual_seed(11)
    a = gg.rand(4, device="cuda")
    gg.cuda.manual_seed(11)
    assert bool((gg.rand(4, device="cuda") == a).all())
