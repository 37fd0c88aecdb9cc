"""Random number generators: one default per device, seeded by ``gg.manual_seed``.

CPU draws come from NumPy's PCG64, cuda draws from CuPy's generator. ``get_rng_state`` /
``set_rng_state`` capture and replay a generator, which checkpointing uses so that
recomputed dropout masks equal the first ones; ``fork_rng`` puts the generators back as they
were after a block.
"""
import contextlib

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator", "fork_rng", "cuda_manual_seed",
           "cuda_manual_seed_all"]


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


def cuda_manual_seed(seed):
    """Seed the current cuda device's default generator, as ``torch.cuda.manual_seed``
    (``gg.cuda.manual_seed``); without a GPU it does nothing, as in PyTorch.

    Example::

        >>> gg.cuda.manual_seed(0)      # safe on a machine without a GPU
    """
    from .backend import cuda
    if cuda.is_available():
        _seed_cuda([cuda.current_device()], seed)


def cuda_manual_seed_all(seed):
    """Seed every cuda device's default generator, as ``torch.cuda.manual_seed_all``
    (``gg.cuda.manual_seed_all``); without a GPU it does nothing.

    Example::

        >>> gg.cuda.manual_seed_all(0)
    """
    from .backend import cuda
    if cuda.is_available():
        _seed_cuda(range(cuda.device_count()), seed)


def _seed_cuda(indices, seed):
    seed = int(seed)
    for index in indices:
        gen = _cuda_generators.get(index)
        if gen is None:
            gen = _cuda_generators[index] = Generator(f"cuda:{index}")
        gen.manual_seed(seed)


# CuPy's generator state cannot be captured; a block that must leave a cuda generator as it
# found it draws from a stand-in (a "fork") instead, and the original is put back after.
def _install_cuda_forks(seeds):
    """Replace the cuda default generators of ``seeds`` ({device index: seed}) by fresh ones
    seeded so; returns what :func:`_restore_cuda_forks` puts back."""
    saved = {}
    for index, fork_seed in seeds.items():
        saved[index] = _cuda_generators.get(index)
        _cuda_generators[index] = Generator(f"cuda:{index}").manual_seed(fork_seed)
    return saved


def _restore_cuda_forks(saved):
    for index, gen in saved.items():
        if gen is None:
            _cuda_generators.pop(index, None)
        else:
            _cuda_generators[index] = gen


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, device_type="cuda"):
    """Run a block, then put the default generators back as they were, as
    ``torch.random.fork_rng``: the cpu one, and the cuda ones of ``devices`` (default: every
    cuda device used so far). Inside the block, cpu draws continue the cpu stream; cuda draws
    come from forks seeded from the cpu state (CuPy's state cannot be saved), so they are
    reproducible under ``gg.manual_seed`` but differ from those of the same code outside
    ``fork_rng``.

    Example::

        >>> gg.manual_seed(0)
        >>> with gg.random.fork_rng():
        ...     noise = gg.rand(3)
        >>> bool((gg.rand(3) == noise).all())     # the block's draws did not advance the stream
        True
    """
    if not enabled:
        yield
        return
    from .backend import device as _device
    if devices is None:
        indices = list(_cuda_generators)
    else:
        indices = [d if isinstance(d, int) else (_device(d).index or 0) for d in devices]
    cpu = get_rng_state()
    seeds = {i: int(default_generator._draw("randint", (1,), np.int64, 0, 2 ** 62)[0])
             for i in indices}
    set_rng_state(cpu)       # the seeds' draws must not shift the block's cpu stream
    forks = _install_cuda_forks(seeds)
    try:
        yield
    finally:
        set_rng_state(cpu)
        _restore_cuda_forks(forks)
