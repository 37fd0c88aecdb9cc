"""Random number generators: one default per device, seeded by ``gg.manual_seed``.

CPU draws come from NumPy's PCG64, cuda draws from CuPy's generator. ``get_rng_state`` /
``set_rng_state`` capture and replay a generator, which checkpointing uses so that
recomputed dropout masks equal the first ones.
"""
import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator"]


class Generator:
    """A source of random numbers for one device, as ``torch.Generator``.

    Example::

        >>> g = gg.Generator().manual_seed(0)
        >>> gg.rand(2, generator=g).shape
        gpugrad.Size([2])
    """

    def __init__(self, device="cpu"):
        from .backend import device as _device
        self.device = _device(device)
        self._seed = 67280421310721
        self._reset()

    def _reset(self):
        if self.device.type == "cpu":
            self._rng = np.random.Generator(np.random.PCG64(self._seed))
        else:
            from .backend import cuda
            self._rng = cuda._cupy().random.RandomState(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self._reset()
        return self

    def seed(self):
        self.manual_seed(int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF)
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        if self.device.type == "cpu":
            return dict(self._rng.bit_generator.state)
        return ("cuda", self._seed, self._rng)

    def set_state(self, state):
        if self.device.type == "cpu":
            self._rng.bit_generator.state = state
        else:
            import copy
            self._seed = state[1]
            self._rng = copy.deepcopy(state[2])
        return self

    def _draw(self, kind, size, dtype, low=0, high=None):
        rng = self._rng
        cpu = self.device.type == "cpu"
        if kind == "rand":
            if cpu and dtype in (np.float32, np.float64):
                return rng.random(size, dtype=dtype)
            return rng.random(size).astype(dtype) if cpu else \
                rng.random_sample(size).astype(dtype)
        if kind == "randn":
            if cpu and dtype in (np.float32, np.float64):
                return rng.standard_normal(size, dtype=dtype)
            return rng.standard_normal(size).astype(dtype)
        if kind == "randint":
            if cpu:
                return rng.integers(low, high, size).astype(dtype)
            return rng.randint(low, high, size).astype(dtype)
        if kind == "randperm":
            return rng.permutation(size[0]).astype(dtype)
        raise ValueError(kind)


default_generator = Generator("cpu")
_cuda_generators = {}


def _generator_for(device, generator=None):
    if generator is not None:
        return generator
    if device.type == "cpu":
        return default_generator
    idx = device.index or 0
    gen = _cuda_generators.get(idx)
    if gen is None:
        gen = _cuda_generators[idx] = Generator(f"cuda:{idx}")
        gen.manual_seed(default_generator.initial_seed())
    return gen


def manual_seed(seed):
    """Seed every device's default generator, as ``torch.manual_seed``.

    Example::

        >>> gg.manual_seed(0); a = gg.rand(2); gg.manual_seed(0); bool((a == gg.rand(2)).all())
        True
    """
    default_generator.manual_seed(seed)
    for g in _cuda_generators.values():
        g.manual_seed(seed)
    return default_generator


def seed():
    s = default_generator.seed()
    for g in _cuda_generators.values():
        g.manual_seed(s)
    return s


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The cpu default generator's state (for :func:`set_rng_state`)."""
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
