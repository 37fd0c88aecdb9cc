"""``gg.special``: the names of ``torch.special``, for code that spells them that way.

Example::

    >>> import gpugrad as gg
    >>> gg.special.gammaln(gg.tensor([3.0]))
    tensor([0.6931])
"""
from .ops.activation import log_softmax as _log_softmax, softmax as _softmax
from .ops.pointwise import logit, xlogy  # noqa: F401
from .ops.special import (digamma, entr, erfc, erfinv, i0, log_ndtr, ndtr,  # noqa: F401
                          ndtri, polygamma, sinc, xlog1py, expit)
from .ops.special import i0e, i1, i1e  # noqa: F401
from .ops.special import lgamma as gammaln, mvlgamma as _mvlgamma
from .ops.statistics import logsumexp  # noqa: F401
from .ops.unary import erf, exp2, expm1, log1p, round  # noqa: F401

__all__ = ["erf", "erfc", "erfinv", "expit", "logit", "xlogy", "xlog1py", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "sinc",
           "entr", "ndtr", "ndtri", "log_ndtr", "logsumexp", "softmax", "log_softmax", "round",
           "exp2", "expm1", "log1p"]

psi = digamma


def multigammaln(input, p):
    """The multivariate log-gamma of dimension ``p`` (``gg.mvlgamma``).

    Example::

        >>> gg.special.multigammaln(gg.tensor([2.5]), 2)
        tensor([0.8570])
    """
    return _mvlgamma(input, p)


def softmax(input, dim, *, dtype=None):
    """Softmax along ``dim`` (optionally computed in ``dtype``).

    Example::

        >>> gg.special.softmax(gg.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log-softmax along ``dim`` (optionally computed in ``dtype``).

    Example::

        >>> gg.special.log_softmax(gg.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return _log_softmax(input, dim, dtype=dtype)
