"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` holds a batch of sequences of different lengths, sorted longest
first, as the time steps one after another: ``data`` has ``batch_sizes[t]`` rows for step t.
RNN, LSTM and GRU accept one in place of a padded tensor and then skip the padding entirely;
each sequence's final state is the one from its own last step.

Everything here is made of gpugrad ops (slicing, cat, stack, index_select), so gradients flow
through packing and padding.

Example::

    >>> from gpugrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> x = gg.randn(4, 3, 2)                        # (T, B, *), lengths 4, 2, 1
    >>> packed = pack_padded_sequence(x, [4, 2, 1])
    >>> packed.batch_sizes.tolist()
    [3, 2, 1, 1]
    >>> out, lengths = pad_packed_sequence(gg.nn.GRU(2, 5)(packed)[0])
    >>> out.shape, lengths.tolist()
    (gpugrad.Size([4, 3, 5]), [4, 2, 1])
"""
from collections.abc import Iterable
from typing import NamedTuple

from ... import dtypes as _dt
from ...ops.creation import as_tensor, full
from ...ops.indexing import argsort, sort
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor
    unsorted_indices: Tensor


class PackedSequence(_PackedSequenceFields):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)`` of a packed batch.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.
    ``batch_sizes`` is an int64 CPU tensor; ``sorted_indices`` (or None) says which original
    batch entry each packed column is, and ``unsorted_indices`` is its inverse.

    Example::

        >>> p = pack_sequence([gg.ones(3), gg.ones(2)])
        >>> p.data.shape, p.batch_sizes.tolist()
        (gpugrad.Size([5]), [2, 2, 1])
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        # PackedSequence((data, batch_sizes), sorted_indices=...)
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Move/cast ``data`` (and the index tensors to data's device); batch_sizes stays."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t):
            return None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def cuda(self, device=None):
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=_dt.float64)

    def float(self):
        return self.to(dtype=_dt.float32)

    def half(self):
        return self.to(dtype=_dt.float16)

    def long(self):
        return self.to(dtype=_dt.int64)

    def int(self):
        return self.to(dtype=_dt.int32)

    def short(self):
        return self.to(dtype=_dt.int16)

    def char(self):
        return self.to(dtype=_dt.int8)

    def byte(self):
        return self.to(dtype=_dt.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None).

    Example::

        >>> invert_permutation(gg.tensor([2, 0, 1])).tolist()
        [1, 2, 0]
    """
    if permutation is None:
        return None
    return argsort(permutation)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of given lengths.

    With ``enforce_sorted=True`` the lengths must be non-increasing; otherwise the batch is
    sorted here and the order is kept in ``sorted_indices`` to undo later.

    Example::

        >>> p = pack_padded_sequence(gg.randn(3, 2, 5), [1, 3], enforce_sorted=False)
        >>> p.batch_sizes.tolist(), p.sorted_indices.tolist()
        ([2, 1, 1], [1, 0])
    """
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=_dt.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=_dt.int64)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    lens = [int(v) for v in lengths.tolist()]
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    batch = input.size(1)
    if len(lens) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={batch})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(a < b for a, b in zip(lens, lens[1:])):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
            "to sidestep this requirement if you do not need ONNX exportability.")
    if lens[0] > input.size(0):
        raise RuntimeError(f"pack_padded_sequence: a length of {lens[0]} exceeds the padded "
                           f"sequence length {input.size(0)}")
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(lens[0])]
    data = cat([input[t, :b] for t, b in enumerate(batch_sizes)])
    return PackedSequence(data, as_tensor(batch_sizes, dtype=_dt.int64, device="cpu"),
                          sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: returns ``(padded, lengths)``, in the original order.

    ``total_length`` pads to that many steps (at least the longest sequence).

    Example::

        >>> p = pack_sequence([gg.ones(2), gg.ones(1)])
        >>> padded, lengths = pad_packed_sequence(p, batch_first=True)
        >>> padded.tolist(), lengths.tolist()
        ([[1.0, 1.0], [1.0, 0.0]], [2, 1])
    """
    sizes = [int(b) for b in sequence.batch_sizes.tolist()]
    max_seq_length = len(sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             "sequence in input, but got "
                             f"total_length={total_length} and max sequence length being "
                             f"{max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    batch = sizes[0]
    trailing = tuple(data.shape[1:])
    kw = {"dtype": data.dtype, "device": data.device}
    steps = []
    for piece in data.split(sizes, 0):
        b = piece.size(0)
        steps.append(piece if b == batch else
                     cat([piece, full((batch - b,) + trailing, padding_value, **kw)]))
    if max_seq_length > len(sizes):
        pad = full((batch,) + trailing, padding_value, **kw)
        steps.extend([pad] * (max_seq_length - len(sizes)))
    padded = stack(steps, 1 if batch_first else 0)
    lengths = as_tensor([sum(1 for b in sizes if b > i) for i in range(batch)],
                        dtype=_dt.int64, device="cpu")
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted_indices)
        lengths = lengths[unsorted_indices.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_i, *) into (L_max, B, *) (or (B, L_max, *)), padding each
    on the right (or, with ``padding_side='left'``, on the left) with ``padding_value``.

    Example::

        >>> pad_sequence([gg.tensor([1, 2, 3]), gg.tensor([4])], batch_first=True).tolist()
        [[1, 2, 3], [4, 0, 0]]
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    max_len = max(s.size(0) for s in sequences)
    kw = {"dtype": first.dtype, "device": first.device}
    rows = []
    for s in sequences:
        if s.dtype != first.dtype:
            s = s.to(first.dtype)
        if tuple(s.shape[1:]) != trailing:
            for d, (a, b) in enumerate(zip(trailing, s.shape[1:]), 1):
                if a != b:
                    raise RuntimeError(f"The size of tensor a ({a}) must match the size of "
                                       f"tensor b ({b}) at non-singleton dimension {d}")
            raise RuntimeError(f"pad_sequence: expected sequences with trailing shape "
                               f"{list(trailing)}, got {list(s.shape[1:])}")
        n = max_len - s.size(0)
        if n:
            pad = full((n,) + trailing, padding_value, **kw)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of its sequences, by ``lengths``.

    Unlike PyTorch's, ``padded_sequences`` itself is left untransposed.

    Example::

        >>> x = pad_sequence([gg.ones(3), gg.ones(1)])
        >>> [s.shape[0] for s in unpad_sequence(x, gg.tensor([3, 1]))]
        [3, 1]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(length)] for seq, length in zip(padded_sequences, lengths.tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *), longest first unless ``enforce_sorted=False``.

    Example::

        >>> pack_sequence([gg.tensor([1, 2, 3]), gg.tensor([4, 5])]).data.tolist()
        [1, 4, 2, 5, 3]
    """
    lengths = as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Undo :func:`pack_sequence`: the list of sequences, in the original order.

    Example::

        >>> [s.tolist() for s in unpack_sequence(pack_sequence([gg.tensor([1, 2]),
        ...                                                    gg.tensor([3])]))]
        [[1, 2], [3]]
    """
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
