"""Big optimizer updates split over threads give exactly the single-thread result."""
import threading

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.backend import cpu_threads
from gpugrad.backend.kernels import REFERENCES


@pytest.fixture
def threads():
    before = gg.get_num_threads()
    yield gg.set_num_threads
    gg.set_num_threads(before)


def _serial(name):
    return REFERENCES[name].__wrapped__


N = cpu_threads._MIN_ELEMENTS + 1237       # split, with a ragged last slice


def _sgd_args(rng, dtype, momentum, first_step, weight_decay=0.01, nesterov=True,
              maximize=False, shape=(N,)):
    grad = rng.standard_normal(shape).astype(dtype)
    param = rng.standard_normal(shape).astype(dtype)
    buf = rng.standard_normal(shape).astype(dtype) if momentum else param
    return [grad, 0.1, momentum, 0.1, weight_decay, nesterov, maximize, first_step, param, buf]


def _adam_args(rng, dtype, amsgrad, decoupled, maximize=False):
    grad = rng.standard_normal(N).astype(dtype)
    param = rng.standard_normal(N).astype(dtype)
    m = rng.standard_normal(N).astype(dtype)
    v = rng.random(N).astype(dtype)
    vmax = rng.random(N).astype(dtype) if amsgrad else v
    return [grad, 1e-3, 0.9, 0.999, 1e-8, 0.01, 0.19, 0.03, decoupled, amsgrad, maximize,
            param, m, v, vmax]


def _copies(args):
    # The same arrays copied, keeping which arguments are one array (buffer is param).
    memo = {}
    return [memo.setdefault(id(a), a.copy()) if isinstance(a, np.ndarray) else a
            for a in args]


def _check_same(name, args, threads, n):
    expected = _copies(args)
    _serial(name)(*expected)
    threads(n)
    out = REFERENCES[name](*args)
    for a, e in zip(args, expected):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, e)     # bit for bit: elementwise slices
    return out


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("momentum,first_step", [(0.0, False), (0.9, True), (0.9, False)])
def test_sgd_split_equals_serial(threads, n, dtype, momentum, first_step):
    args = _sgd_args(np.random.default_rng(0), dtype, momentum, first_step)
    out = _check_same("sgd_update", args, threads, n)
    assert out[0] is args[8] and out[1] is args[9]


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_split_equals_serial(threads, n, dtype, amsgrad, decoupled):
    args = _adam_args(np.random.default_rng(1), dtype, amsgrad, decoupled, maximize=amsgrad)
    out = _check_same("adam_update", args, threads, n)
    assert all(o is a for o, a in zip(out, args[11:]))


def test_split_keeps_silent_error_state_in_workers(threads):
    # Workers run the reference with IEEE errors ignored, as the calling thread does: an
    # overflowing update warns nowhere.
    args = _sgd_args(np.random.default_rng(2), "float16", 0.9, False)
    args[0][:] = 6e4
    args[9][:] = 6e4
    threads(2)
    with np.errstate(all="raise"):
        REFERENCES["sgd_update"](*args)
    assert np.isinf(args[9]).all()


def test_small_strided_or_mismatched_arrays_run_serially(threads, monkeypatch):
    calls = []
    real = cpu_threads._executor
    monkeypatch.setattr(cpu_threads, "_executor", lambda: calls.append(1) or real())
    threads(2)
    rng = np.random.default_rng(3)
    small = _sgd_args(rng, "float32", 0.9, False, shape=(1000,))
    REFERENCES["sgd_update"](*small)
    strided = _sgd_args(rng, "float32", 0.9, False, shape=(2 * N,))
    strided[0] = strided[0][::2]
    strided[8] = strided[8][::2]
    strided[9] = strided[9][::2]
    _check_same("sgd_update", strided, threads, 2)
    assert calls == []
    REFERENCES["sgd_update"](*_sgd_args(rng, "float32", 0.9, False))
    assert calls == [1]


def test_one_thread_runs_on_the_caller(threads, monkeypatch):
    monkeypatch.setattr(cpu_threads, "_executor", lambda: pytest.fail("pool used"))
    args = _sgd_args(np.random.default_rng(4), "float32", 0.9, False)
    _check_same("sgd_update", args, threads, 1)


def test_slices_start_on_cache_lines(threads, monkeypatch):
    seen = []
    serial = _serial("sgd_update")

    def spy(*args):
        seen.append((args[8].__array_interface__["data"][0], args[8].size))
        return serial(*args)

    update = cpu_threads.split_elementwise(spy, (0, 8, 9), (8, 9))
    threads(3)
    args = _sgd_args(np.random.default_rng(5), "float32", 0.9, False)
    update(*args)
    start = args[8].__array_interface__["data"][0]
    assert len(seen) == 3 and sum(size for _, size in seen) == N
    assert all((addr - start) % 64 == 0 for addr, _ in seen)


def test_worker_error_reaches_the_caller(threads):
    def fails_on_second_half(grad, param):
        if param.__array_interface__["data"][0] != base[0]:
            raise ValueError("boom")
        return (param,)

    base = []
    update = cpu_threads.split_elementwise(fails_on_second_half, (0, 1), (1,))
    threads(2)
    param = np.zeros(N, np.float32)
    base.append(param.__array_interface__["data"][0])
    with pytest.raises(ValueError, match="boom"):
        update(np.zeros(N, np.float32), param)


def test_optimizer_step_uses_threads_and_matches_one_thread(threads):
    rng = np.random.default_rng(6)
    w0 = rng.standard_normal((1024, 640)).astype(np.float32)
    g = rng.standard_normal((1024, 640)).astype(np.float32)
    results = []
    for n in (1, 2):
        threads(n)
        p = gg.nn.Parameter(gg.tensor(w0.copy()))
        opt = gg.optim.Adam([p], lr=1e-2, amsgrad=True)
        for _ in range(3):
            p.grad = gg.tensor(g)
            opt.step()
        results.append(p.detach().numpy().copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_set_num_threads_checks_its_argument(threads):
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        gg.set_num_threads(0)
    with pytest.raises(RuntimeError, match="set_num_threads expects an int, but got float"):
        gg.set_num_threads(1.5)
    with pytest.raises(RuntimeError, match="expects an int, but got bool"):
        gg.set_num_threads(True)
    gg.set_num_threads(3)
    assert gg.get_num_threads() == 3


def test_default_is_the_cores_this_process_may_use():
    assert cpu_threads._default_threads() >= 1
    assert isinstance(gg.get_num_threads(), int)


def test_concurrent_callers_share_the_pool(threads):
    threads(2)
    rng = np.random.default_rng(7)
    jobs = [_sgd_args(rng, "float32", 0.9, False) for _ in range(3)]
    expected = [_copies(a) for a in jobs]
    for e in expected:
        _serial("sgd_update")(*e)
    ts = [threading.Thread(target=REFERENCES["sgd_update"], args=a) for a in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for a, e in zip(jobs, expected):
        np.testing.assert_array_equal(a[8], e[8])
        np.testing.assert_array_equal(a[9], e[9])
