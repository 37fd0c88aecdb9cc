"""Optimizers and learning-rate schedules, as ``torch.optim``.

Example::

    >>> opt = gg.optim.Adam(model.parameters(), lr=1e-3)
    >>> sched = gg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    >>> loss.backward(); opt.step(); opt.zero_grad(); sched.step()

Every update changes the parameters' storage in place (the tensors stay the same objects):
SGD and Adam/AdamW through one fused kernel per parameter, RMSprop and Adagrad through a few
array operations into buffers they own.
"""
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
