"""bench/memory.py's counter-cost benchmark builds its baseline by recompiling gpugrad's hot
functions without their memory-accounting lines: this checks that the baseline still builds
(a refactor that renames a hook would otherwise only break the benchmark) and that it really
differs from the instrumented code."""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _bench_memory():
    spec = importlib.util.spec_from_file_location(
        "bench_memory", os.path.join(ROOT, "bench", "memory.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_overhead_runs_on_every_op_of_the_overhead_bench():
    import sys
    from gpugrad.autograd import function
    tensor = sys.modules["gpugrad.tensor"]     # the module (gpugrad.tensor is the factory)
    before = (tensor._make.__code__, function._record.__code__, function._save.__code__)
    rows = _bench_memory().overhead(rounds=2)
    # The instrumented code is back in place afterwards.
    assert (tensor._make.__code__, function._record.__code__, function._save.__code__) == before
    names = [r["op"] for r in rows]
    for op in ("add", "mul", "matmul", "relu", "sum"):
        assert f"{op} no_grad" in names and f"{op} grad" in names
    assert "chain fwd+bwd" in names
    per_case, (suite,) = rows[:-1], rows[-1:]
    assert all(r["without_us"] > 0 and r["with_us"] > 0 for r in per_case)
    assert suite["op"] == "geometric mean"
    assert suite["ratio_median"] > 0
    assert suite["met"] == (suite["ratio_median"] <= suite["target"])


def test_baseline_drops_the_accounting_lines():
    from gpugrad.autograd import function
    mod = _bench_memory()
    code = mod._strip(function._save, ["_TRACK_MIN_BYTES"])
    assert "_TRACK_MIN_BYTES" in function._save.__code__.co_names
    assert "_TRACK_MIN_BYTES" not in code.co_names
