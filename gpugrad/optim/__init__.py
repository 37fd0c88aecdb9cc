"""Optimizers and learning-rate schedules, as ``torch.optim``.

Example::

    >>> opt = gg.optim.Adam(model.parameters(), lr=1e-3)
    >>> sched = gg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    >>> loss.backward(); opt.step(); opt.zero_grad(); sched.step()

Every update changes the parameters' storage in place (the tensors stay the same objects):
SGD and Adam/AdamW through one fused kernel per parameter, RMSprop and Adagrad through a few
array operations into buffers they own, as do Adamax, Adadelta, NAdam, RAdam, ASGD, Rprop
and LBFGS.
"""
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .adamax import Adamax  # noqa: F401
from .adadelta import Adadelta  # noqa: F401
from .nadam import NAdam  # noqa: F401
from .radam import RAdam  # noqa: F401
from .asgd import ASGD  # noqa: F401
from .rprop import Rprop  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Adadelta",
           "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "lr_scheduler"]
