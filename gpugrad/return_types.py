"""Named tuples returned by ops like ``max(dim=...)``, as ``torch.return_types``."""
from collections import namedtuple

_TYPES = {}


def minmax_result(name, values, indices):
    cls = _TYPES.get(name)
    if cls is None:
        base = namedtuple(name, ["values", "indices"])

        def __repr__(self):
            return (f"gpugrad.return_types.{name}(\nvalues={self.values!r},\n"
                    f"indices={self.indices!r})")
        cls = _TYPES[name] = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    return cls(values, indices)
