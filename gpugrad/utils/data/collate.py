"""How a DataLoader turns a list of samples into a batch, as ``torch.utils.data``'s
``default_collate``: tensors are stacked, numbers become tensors, and dicts, tuples and lists
are collated field by field.

Example::

    >>> default_collate([(gg.ones(2), 0), (gg.zeros(2), 1)])
    [tensor([[1., 1.],
            [0., 0.]]), tensor([0, 1])]
"""
import collections.abc

import numpy as np

from ... import dtypes as _dt
from ...ops.creation import as_tensor, tensor
from ...ops.shape import stack
from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring).

    Example::

        >>> default_collate([{"x": 1.0}, {"x": 2.0}])
        {'x': tensor([1., 2.], dtype=gpugrad.float64)}
    """
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and
                                        not isinstance(elem, (np.str_, np.bytes_))):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_ERROR.format(elem.dtype))
        # One host-side stack and one transfer, not one per sample.
        return as_tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, float):
        return tensor(batch, dtype=_dt.float64)
    if isinstance(elem, int):
        # The dtype is inferred from the whole batch, as PyTorch does: bools stay bool, a
        # float among the ints makes the batch floating point (not truncated to int64).
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return elem_type(fields)
        except TypeError:        # a mapping type that cannot be built from a dict
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):       # namedtuple
        return elem_type(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns              # PyTorch returns a list for tuples too
        try:
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERROR.format(elem_type))


def default_convert(data):
    """What a DataLoader with ``batch_size=None`` does to each sample: NumPy arrays become
    tensors, inside dicts and sequences too; everything else is left as is."""
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SaUO":
        return as_tensor(data)          # NumPy scalars too, as in PyTorch
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
