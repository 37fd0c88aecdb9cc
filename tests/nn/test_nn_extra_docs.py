"""The docstring examples of the extra pooling, activation, distance, alpha dropout,
embedding bag and lazy modules run and print what they show."""
import doctest
import importlib

import gpugrad as gg
import gpugrad.nn.functional as F

MODULES = ["gpugrad.ops.pooling_extra", "gpugrad.ops.activation_extra", "gpugrad.ops.distance",
           "gpugrad.ops.alpha_dropout", "gpugrad.ops.embedding_bag", "gpugrad.nn._uninitialized",
           "gpugrad.nn.modules.pooling_extra", "gpugrad.nn.modules.activation_extra",
           "gpugrad.nn.modules.distance", "gpugrad.nn.modules.alpha_dropout",
           "gpugrad.nn.modules.embedding_bag", "gpugrad.nn.modules.lazy"]


def test_docstring_examples():
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for name in MODULES:
        mod = importlib.import_module(name)
        # The module's own names too: the ops' examples call them unqualified.
        globs = dict(vars(mod), gg=gg, F=F)
        for t in doctest.DocTestFinder().find(mod, globs=globs):
            if t.examples:
                runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted >= 90
