"""gg.utils.data: datasets, samplers, DataLoader and collation."""
import collections
import math

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                IterableDataset, RandomSampler, SequentialSampler, Subset,
                                SubsetRandomSampler, TensorDataset, default_collate,
                                default_convert, random_split)


def _dataset(n=10):
    return TensorDataset(gg.arange(n * 3, dtype=gg.float32).reshape(n, 3), gg.arange(n))


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        if not 0 <= i < 7:
            raise IndexError(i)
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}


# ------------------------------------------------------------------ datasets
def test_tensor_dataset():
    ds = _dataset()
    assert len(ds) == 10
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(gg.zeros(3), gg.zeros(4))


def test_subset_and_concat():
    ds = _dataset()
    sub = Subset(ds, [4, 0, 9])
    assert len(sub) == 3 and sub[0][1].item() == 4 and sub[2][1].item() == 9
    cat = ConcatDataset([sub, Squares()])
    assert len(cat) == 10 and cat.cumulative_sizes == [3, 10]
    assert cat[3]["y"] == 0 and cat[-1]["y"] == 36 and cat[1][1].item() == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset "
                                         "length"):
        cat[-11]
    assert len(sub + Squares()) == 10
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])


@pytest.mark.parametrize("lengths,expected", [([3, 7], [3, 7]), ([0.5, 0.5], [5, 5]),
                                              ([0.33, 0.33, 0.34], [4, 3, 3]),
                                              ([0.7, 0.2, 0.1], [7, 2, 1])])
def test_random_split_lengths(lengths, expected, torch):
    parts = random_split(range(10), lengths, generator=gg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == expected
    assert [len(p) for p in torch.utils.data.random_split(range(10), lengths)] == expected
    assert sorted(i for p in parts for i in p) == list(range(10))


def test_random_split_is_reproducible_and_checks_lengths():
    a = random_split(range(20), [5, 15], generator=gg.Generator().manual_seed(3))
    b = random_split(range(20), [5, 15], generator=gg.Generator().manual_seed(3))
    c = random_split(range(20), [5, 15], generator=gg.Generator().manual_seed(4))
    assert list(a[0]) == list(b[0]) and list(a[0]) != list(c[0])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of "
                                         "the input dataset!"):
        random_split(range(10), [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.9, 0.1])


# ------------------------------------------------------------------ samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = gg.Generator().manual_seed(0)
    order = list(RandomSampler(range(10), generator=g))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    assert len(list(RandomSampler(range(4), num_samples=10))) == 10
    draws = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(draws) == 50 and set(draws) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    bs = BatchSampler(range(7), batch_size=3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    bs = BatchSampler(range(7), batch_size=3, drop_last=True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5]] and len(bs) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


def test_shuffle_without_generator_follows_manual_seed():
    gg.manual_seed(7)
    a = [y.tolist() for _, y in DataLoader(_dataset(), batch_size=4, shuffle=True)]
    gg.manual_seed(7)
    b = [y.tolist() for _, y in DataLoader(_dataset(), batch_size=4, shuffle=True)]
    assert a == b


# ------------------------------------------------------------------ DataLoader
def test_loader_batches_and_len():
    loader = DataLoader(_dataset(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert isinstance(batches[0], list) and batches[2][1].tolist() == [8, 9]
    assert batches[0][0].dtype == gg.float32 and batches[0][1].dtype == gg.int64
    loader = DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and len(list(loader)) == 2


def test_loader_shuffle_is_deterministic_with_a_generator():
    def order(seed):
        loader = DataLoader(_dataset(), batch_size=3, shuffle=True,
                            generator=gg.Generator().manual_seed(seed))
        epoch1 = [y.tolist() for _, y in loader]
        epoch2 = [y.tolist() for _, y in loader]
        return epoch1, epoch2

    e1, e2 = order(0)
    assert order(0) == (e1, e2)
    assert e1 != e2                                       # a new order every epoch
    assert sorted(sum(e1, [])) == list(range(10))
    assert order(1)[0] != e1


def test_loader_rows_match_samples_stacked_one_by_one():
    ds = _dataset()
    g1, g2 = gg.Generator().manual_seed(5), gg.Generator().manual_seed(5)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=g1))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=g2,
                           collate_fn=lambda b: default_collate(b)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()


def test_loader_with_dicts_numpy_and_strings():
    x, = [b for b in DataLoader(Squares(), batch_size=7)]
    assert x["x"].shape == (7, 2) and x["x"].dtype == gg.float32
    assert x["y"].tolist() == [0, 1, 4, 9, 16, 25, 36] and x["y"].dtype == gg.int64
    assert x["name"] == [f"s{i}" for i in range(7)]


def test_loader_with_sampler_and_batch_sampler():
    ds = _dataset()
    loader = DataLoader(ds, batch_size=2, sampler=[9, 8, 7])
    assert [y.tolist() for _, y in loader] == [[9, 8], [7]]
    loader = DataLoader(ds, batch_sampler=[[0, 5], [2]])
    assert [y.tolist() for _, y in loader] == [[0, 5], [2]] and len(loader) == 2
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with "
                                         "batch_size, shuffle, sampler, and drop_last"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)


def test_loader_without_batching_converts_samples():
    items = list(DataLoader(Squares(), batch_size=None))
    assert len(items) == 7 and isinstance(items[3]["x"], gg.Tensor) and items[3]["y"] == 9


def test_loader_with_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_num_workers_is_accepted_with_a_warning():
    with pytest.warns(UserWarning, match="num_workers=2 is ignored"):
        loader = DataLoader(_dataset(), batch_size=5, num_workers=2)
    assert len(list(loader)) == 2
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(_dataset(), num_workers=-1)


# ------------------------------------------------------------------ collation
Point = collections.namedtuple("Point", "x y")


def test_collate_shapes_and_types(torch):
    batch = [(gg.ones(2, 3), 1.5, 2, True, Point(gg.zeros(1), 3), [gg.ones(1), 0.5])
             for _ in range(4)]
    out = default_collate(batch)
    assert isinstance(out, list) and len(out) == 6
    assert out[0].shape == (4, 2, 3)
    assert out[1].dtype == gg.float64 and out[1].shape == (4,)
    assert out[2].dtype == gg.int64 and out[3].dtype == gg.bool
    assert isinstance(out[4], Point) and out[4].x.shape == (4, 1) and out[4].y.tolist() == [3] * 4
    assert out[5][0].shape == (4, 1) and out[5][1].dtype == gg.float64
    # The same structure as PyTorch's default_collate.
    tbatch = [(torch.ones(2, 3), 1.5, 2, True, Point(torch.zeros(1), 3), [torch.ones(1), 0.5])
              for _ in range(4)]
    tout = torch.utils.data.default_collate(tbatch)
    assert type(tout) is type(out) and [str(t.dtype)[6:] for t in tout[:4]] == \
        [o.dtype.name for o in out[:4]]


def test_collate_nested_dicts_and_errors():
    batch = [{"a": {"b": np.zeros((2,), dtype=np.int32)}, "c": "x"} for _ in range(3)]
    out = default_collate(batch)
    assert out["a"]["b"].shape == (3, 2) and out["a"]["b"].dtype == gg.int32
    assert out["c"] == ["x"] * 3
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([gg.zeros(2), gg.zeros(3)])


def test_default_convert():
    out = default_convert({"a": np.ones(2), "b": (np.zeros(1), "s"), "c": 3})
    assert isinstance(out["a"], gg.Tensor) and isinstance(out["b"][0], gg.Tensor)
    assert out["b"][1] == "s" and out["c"] == 3


def test_loader_epoch_is_fast_enough_for_training():
    ds = TensorDataset(gg.randn(2000, 64), gg.randint(0, 10, (2000,)))
    loader = DataLoader(ds, batch_size=32, shuffle=True)
    assert sum(x.shape[0] for x, _ in loader) == 2000
    assert len(loader) == math.ceil(2000 / 32)
