"""gg.random.fork_rng, as torch.random.fork_rng: the default generators are put back after
the block, and the block's own cpu draws are those it would have made without the fork."""
import pytest

import gpugrad as gg


def _draws(lib, fork):
    lib.manual_seed(0)
    if fork:
        with lib.random.fork_rng():
            inside = lib.rand(4).tolist()
    else:
        inside = lib.rand(4).tolist()
    return inside, lib.rand(3).tolist()


def test_fork_rng_restores_the_stream_as_torch(torch):
    def pattern(lib):
        plain_inside, plain_after = _draws(lib, fork=False)
        forked_inside, forked_after = _draws(lib, fork=True)
        lib.manual_seed(0)
        fresh = lib.rand(3).tolist()
        return plain_inside == forked_inside, forked_after == fresh, plain_after == fresh

    assert pattern(gg) == pattern(torch) == (True, True, False)


def test_fork_rng_disabled_and_on_error():
    gg.manual_seed(1)
    with gg.random.fork_rng(enabled=False):
        gg.rand(2)
    after_disabled = gg.rand(3).tolist()
    gg.manual_seed(1)
    gg.rand(2)
    assert gg.rand(3).tolist() == after_disabled
    gg.manual_seed(1)
    with pytest.raises(KeyError):
        with gg.random.fork_rng(devices=[]):
            gg.randn(5)
            raise KeyError("inside")
    assert gg.rand(3).tolist() == (gg.manual_seed(1), gg.rand(3).tolist())[1]
