"""DataLoader: batches from a dataset, in order or shuffled, in the main process.

Example::

    >>> ds = TensorDataset(gg.randn(10, 3), gg.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True,
    ...                     generator=gg.Generator().manual_seed(0))
    >>> [x.shape[0] for x, y in loader]
    [4, 4, 2]
"""
import warnings

from .collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """Information about the loader worker process running this code: always None, since
    batches are loaded in the calling process (the value PyTorch gives there too).

    Example::

        >>> gg.utils.data.get_worker_info() is None      # in an IterableDataset's __iter__
        True
    """
    return None


class _InfiniteConstantSampler:
    def __iter__(self):
        while True:
            yield None


class _LoaderIterator:
    """What ``iter(loader)`` gives: the batches, with ``len()`` the loader's, as PyTorch's."""

    __slots__ = ("_loader", "_batches")

    def __init__(self, loader, batches):
        self._loader = loader
        self._batches = batches

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._batches)

    def __len__(self):
        return len(self._loader)


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    ``batch_size`` (None turns batching off), ``shuffle`` (with ``generator`` for a
    reproducible order), ``drop_last``, ``sampler`` / ``batch_sampler`` and ``collate_fn``
    behave as in PyTorch. Loading happens in the calling process: ``num_workers`` and the
    other worker and pinning options are accepted and have no effect.

    Example::

        >>> for x, y in DataLoader(ds, batch_size=32, shuffle=True, drop_last=True):
        ...     loss = loss_fn(model(x), y)
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None,
                 *, prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if num_workers > 0:
            warnings.warn("gpugrad's DataLoader loads batches in the calling process; "
                          f"num_workers={num_workers} is ignored", UserWarning, stacklevel=2)
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        # Worker options, kept as attributes as in PyTorch (loading never uses workers).
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (None, False):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            batches = self._iter_stream()
        elif self._auto_collation:
            batches = self._iter_batches()
        else:
            batches = (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return _LoaderIterator(self, batches)

    def _iter_batches(self):
        dataset, collate = self.dataset, self.collate_fn
        # Rows of a TensorDataset are gathered with one index per tensor: the same batch that
        # stacking the samples one by one gives, without a Python-level op per sample.
        gather = type(dataset) is TensorDataset and collate is default_collate
        getitems = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if gather:
                yield [t[list(indices)] for t in dataset.tensors]
                continue
            data = getitems(indices) if callable(getitems) else [dataset[i] for i in indices]
            yield collate(data)

    def _iter_stream(self):
        it = iter(self.dataset)
        if not self._auto_collation:
            yield from (self.collate_fn(x) for x in it)
            return
        batch = []
        for sample in it:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)
