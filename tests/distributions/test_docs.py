"""The examples in gpugrad.distributions' docstrings run and print what they show."""
import doctest
import importlib
import pkgutil

import pytest

import gpugrad as gg
import gpugrad.distributions as D

MODULES = sorted(m.name for m in pkgutil.iter_modules(D.__path__))


@pytest.mark.parametrize("name", ["__init__"] + MODULES)
def test_docstring_examples(name):
    mod = D if name == "__init__" else importlib.import_module(f"gpugrad.distributions.{name}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(mod, mod.__name__, extraglobs={"gg": gg}):
        if name == "__init__" and test.name != mod.__name__:
            continue  # the package's re-exported names are tested in their own modules
        gg.manual_seed(0)
        result = runner.run(test)
        assert result.failed == 0, test.name
