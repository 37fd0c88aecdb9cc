"""Floating-point exceptions inside gpugrad's ops pass silently, as on a GPU and in PyTorch.

``0 * inf``, an overflow to ``inf`` or ``inf - inf`` give the IEEE result (NaN or inf) on
every backend, but NumPy also reports each as a ``RuntimeWarning`` ("invalid value
encountered in multiply"), attributed to the Python line that called the ufunc. In gpugrad's
ops that line is gpugrad's, and the user never asked for that NumPy call; PyTorch gives the
same NaN without a word.

Setting NumPy's error state around every op would cost more than a small op itself, so
:func:`install` (run once when gpugrad is imported) adds a warnings filter instead, scoped to
warnings attributed to gpugrad's own modules and to NumPy's floating-point messages: nothing
is paid until such a warning is raised. The user's own NumPy code warns as before, and a
filter the user adds later in front of it (``warnings.simplefilter("error")`` inside a
program, or pytest's ``-W error``) still wins, as every filter added later does. The custom
kernels' CPU references set NumPy's error state instead (``kernel_refs``): they run NumPy
code of several lines per kernel, where one state change is worth its cost.

Example::

    >>> x = gg.tensor([0.0]) * gg.tensor([float("inf")])     # no RuntimeWarning
    >>> x
    tensor([nan])
"""
import warnings

__all__ = ["install", "FP_WARNING_MESSAGE"]

#: NumPy's messages for the four IEEE exceptions ("... encountered in multiply").
FP_WARNING_MESSAGE = r"(invalid value|overflow|divide by zero|underflow) encountered"


def install():
    """Ignore NumPy's floating-point warnings raised from gpugrad's modules."""
    warnings.filterwarnings("ignore", message=FP_WARNING_MESSAGE, category=RuntimeWarning,
                            module=r"gpugrad\.")
