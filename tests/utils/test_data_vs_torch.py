"""gg.utils.data against torch.utils.data: collation of numbers and NumPy scalars, the
loader's iterator and worker options, StackDataset, ChainDataset and get_worker_info."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
from torch_compare import same


def _data(lib):
    return lib.utils.data


@pytest.mark.parametrize("batch", [[1, 2.5], [1.5, 2], [True, 2], [True, False], [1, 2],
                                   [2 ** 40, 1]], ids=str)
def test_collate_infers_the_dtype_of_numbers_as_torch(batch, torch):
    same(lambda lib: _data(lib).default_collate(batch), torch)


@pytest.mark.parametrize("sample", [np.float32(2.5), np.int16(3), np.bool_(True),
                                    (np.float64(1.0), np.zeros(2)), {"x": np.int64(4)}],
                         ids=repr)
def test_default_convert_turns_numpy_scalars_into_tensors(sample, torch):
    same(lambda lib: _data(lib).default_convert(sample), torch)


def test_loader_iterator_has_a_length(torch):
    same(lambda lib: [len(iter(_data(lib).DataLoader(list(range(7)), batch_size=3))),
                      len(iter(_data(lib).DataLoader(list(range(7)), batch_size=None))),
                      len(iter(_data(lib).DataLoader(list(range(7)), batch_size=3,
                                                     drop_last=True)))], torch)
    it = iter(gg.utils.data.DataLoader(list(range(7)), batch_size=3))
    assert next(it).tolist() == [0, 1, 2] and [b.tolist() for b in it] == [[3, 4, 5], [6]]


def test_loader_worker_options_as_torch(torch):
    def attrs(lib):
        loader = _data(lib).DataLoader(list(range(3)))
        return (loader.persistent_workers, loader.prefetch_factor, loader.in_order,
                loader.multiprocessing_context, loader.pin_memory_device)

    same(attrs, torch)
    same(lambda lib: _data(lib).DataLoader(list(range(3)), prefetch_factor=2), torch)
    same(lambda lib: _data(lib).DataLoader(list(range(3)), persistent_workers=True), torch)

    def with_workers(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # gpugrad says it loads in this process
            loader = _data(lib).DataLoader(list(range(3)), num_workers=2,
                                           persistent_workers=True)
        return loader.prefetch_factor, loader.persistent_workers, [b for b in loader]

    same(with_workers, torch)


def test_get_worker_info_is_none_in_the_loading_process(torch):
    same(lambda lib: _data(lib).get_worker_info(), torch)


@pytest.mark.parametrize("build", [
    lambda lib: _data(lib).StackDataset(lib.arange(3), [5, 6, 7])[1],
    lambda lib: _data(lib).StackDataset(a=lib.arange(3), b=[5, 6, 7])[2],
    lambda lib: len(_data(lib).StackDataset(a=lib.arange(3), b=[5, 6, 7])),
    lambda lib: _data(lib).StackDataset(lib.arange(3), [5]),
    lambda lib: _data(lib).StackDataset(lib.arange(3), b=[5]),
    lambda lib: _data(lib).StackDataset(),
    lambda lib: list(_data(lib).DataLoader(
        _data(lib).StackDataset(x=lib.arange(5.0), y=list(range(5))), batch_size=2)),
])
def test_stack_dataset_as_torch(build, torch):
    same(build, torch)


def _stream(lib, n):
    class Stream(_data(lib).IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n

    return Stream()


@pytest.mark.parametrize("build", [
    lambda lib: list(_data(lib).ChainDataset([_stream(lib, 3), _stream(lib, 2)])),
    lambda lib: len(_data(lib).ChainDataset([_stream(lib, 3), _stream(lib, 2)])),
    lambda lib: (type(_stream(lib, 3) + _stream(lib, 2)).__name__,
                 list(_stream(lib, 3) + _stream(lib, 2))),
    lambda lib: list(_data(lib).ChainDataset([_stream(lib, 3), [1, 2]])),
    lambda lib: list(_data(lib).DataLoader(_stream(lib, 3) + _stream(lib, 2), batch_size=2)),
])
def test_chain_dataset_as_torch(build, torch):
    same(build, torch)
