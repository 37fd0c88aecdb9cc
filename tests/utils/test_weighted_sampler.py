"""WeightedRandomSampler against torch.utils.data's: errors, lengths, and the distribution of
the indices it draws (the streams differ: each library has its own generator)."""
import collections

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

WEIGHTS = [0.1, 0.0, 0.5, 2.0, 1.0]


@pytest.mark.parametrize("kw", [
    dict(weights=[1.0, 2.0], num_samples=0),
    dict(weights=[1.0, 2.0], num_samples=True),
    dict(weights=[1.0, 2.0], num_samples=2, replacement=1),
    dict(weights=[[1.0]], num_samples=2),
])
def test_bad_arguments_raise_as_torch(kw, torch):
    with pytest.raises(ValueError) as ours:
        WeightedRandomSampler(**kw)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.WeightedRandomSampler(**kw)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kw", [
    dict(weights=[-1.0, 2.0], num_samples=2),
    dict(weights=[0.0, 0.0], num_samples=2),
    dict(weights=[1.0, 1.0], num_samples=3, replacement=False),
])
def test_bad_weights_raise_when_drawing_as_torch(kw, torch):
    ours = WeightedRandomSampler(**kw)
    theirs = torch.utils.data.WeightedRandomSampler(**kw)
    with pytest.raises(RuntimeError) as ours_error:
        list(ours)
    with pytest.raises(RuntimeError) as theirs_error:
        list(theirs)
    assert str(ours_error.value) == str(theirs_error.value)


def test_attributes_and_length_as_torch(torch):
    ours = WeightedRandomSampler(gg.tensor(WEIGHTS), 7)
    theirs = torch.utils.data.WeightedRandomSampler(torch.tensor(WEIGHTS), 7)
    assert len(ours) == len(theirs) == len(list(ours)) == 7
    assert ours.weights.dtype == gg.float64 and ours.weights.tolist() == theirs.weights.tolist()
    assert ours.replacement is theirs.replacement is True


def test_with_replacement_draws_in_proportion_to_the_weights():
    draws = list(WeightedRandomSampler(WEIGHTS, 40000,
                                       generator=gg.Generator().manual_seed(0)))
    counts = collections.Counter(draws)
    freq = np.array([counts[i] for i in range(len(WEIGHTS))]) / len(draws)
    np.testing.assert_allclose(freq, np.array(WEIGHTS) / sum(WEIGHTS), atol=0.01)


def test_without_replacement_each_index_once_zero_weights_last():
    # Two samples out of [0, 1]: the zero-weight index comes once the other is drawn.
    assert list(WeightedRandomSampler([0.0, 1.0], 2, replacement=False)) == [1, 0]
    firsts = collections.Counter()
    g = gg.Generator().manual_seed(1)
    for _ in range(4000):
        draw = list(WeightedRandomSampler(WEIGHTS, 3, replacement=False, generator=g))
        assert len(set(draw)) == 3 and 1 not in draw
        firsts[draw[0]] += 1
    # The first draw of a sample without replacement follows the weights.
    freq = np.array([firsts[i] for i in range(len(WEIGHTS))]) / 4000
    np.testing.assert_allclose(freq, np.array(WEIGHTS) / sum(WEIGHTS), atol=0.03)


def test_reproducible_and_usable_by_a_loader():
    a = list(WeightedRandomSampler(WEIGHTS, 20, generator=gg.Generator().manual_seed(3)))
    b = list(WeightedRandomSampler(WEIGHTS, 20, generator=gg.Generator().manual_seed(3)))
    assert a == b
    gg.manual_seed(5)
    c = list(WeightedRandomSampler(WEIGHTS, 20))
    gg.manual_seed(5)
    assert c == list(WeightedRandomSampler(WEIGHTS, 20))
    ds = TensorDataset(gg.arange(5))
    batches = list(DataLoader(ds, batch_size=2, sampler=WeightedRandomSampler(WEIGHTS, 5)))
    assert [len(b[0]) for b in batches] == [2, 2, 1]
