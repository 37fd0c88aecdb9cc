"""Grad mode: no_grad / enable_grad / set_grad_enabled / inference_mode as context managers
and decorators, thread-locality, and the same behaviour as torch.autograd.grad_mode."""
import sys
import threading
import warnings

import pytest

from gpugrad.autograd import grad_mode
from gpugrad.autograd.grad_mode import (_tls, enable_grad, inference_mode, is_grad_enabled,
                                        is_inference_mode_enabled, no_grad, set_grad_enabled)


@pytest.fixture(autouse=True)
def _fresh_mode():
    # A failing test must not leave its mode behind for the next one.
    _tls.grad_enabled = True
    _tls.inference = False
    yield
    _tls.grad_enabled = True
    _tls.inference = False


def state():
    return is_grad_enabled(), is_inference_mode_enabled()


def run_in_thread(fn, *args):
    """Run ``fn`` in a new thread; return its result or re-raise its exception here."""
    out = {}

    def target():
        try:
            out["value"] = fn(*args)
        except BaseException as e:  # handed back to the calling thread
            out["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


# --------------------------------------------------------------------------------------------
# Defaults and the thread-local state other modules read directly

def test_defaults():
    assert state() == (True, False)
    assert _tls.grad_enabled is True and _tls.inference is False


def test_public_names_match_package_exports():
    import gpugrad as gg
    import gpugrad.autograd as ga
    for name in grad_mode.__all__:
        assert getattr(gg, name) is getattr(grad_mode, name)
        assert getattr(ga, name) is getattr(grad_mode, name)


def test_tls_attributes_are_what_the_functions_read():
    _tls.grad_enabled = False
    assert is_grad_enabled() is False
    _tls.inference = True
    assert is_inference_mode_enabled() is True
    _tls.grad_enabled = True
    _tls.inference = False
    assert state() == (True, False)


def test_context_managers_write_plain_bools_to_tls():
    with no_grad():
        assert _tls.grad_enabled is False
    with inference_mode():
        assert _tls.grad_enabled is False and _tls.inference is True
        with enable_grad():
            assert _tls.grad_enabled is True and _tls.inference is True
    assert _tls.grad_enabled is True and _tls.inference is False


# --------------------------------------------------------------------------------------------
# Context managers and nesting

def test_no_grad_context():
    with no_grad() as value:
        assert value is None
        assert state() == (False, False)
    assert state() == (True, False)


def test_enable_grad_context():
    _tls.grad_enabled = False
    with enable_grad() as value:
        assert value is None
        assert is_grad_enabled()
    assert not is_grad_enabled()


def test_nearest_wins():
    with no_grad():
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            with no_grad():
                assert not is_grad_enabled()
                with set_grad_enabled(True):
                    assert is_grad_enabled()
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_inside_no_grad_restores_disabled():
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


@pytest.mark.parametrize("make", [no_grad, enable_grad, lambda: set_grad_enabled(False),
                                  lambda: set_grad_enabled(True), inference_mode,
                                  lambda: inference_mode(False)])
@pytest.mark.parametrize("start", [(True, False), (False, False), (False, True), (True, True)])
def test_exception_restores_mode(make, start):
    _tls.grad_enabled, _tls.inference = start
    with pytest.raises(KeyError):
        with make():
            raise KeyError("boom")
    assert state() == start


def test_exception_from_decorated_function_restores_mode():
    @no_grad
    def f():
        assert not is_grad_enabled()
        raise ValueError("x")

    @inference_mode
    def g():
        assert state() == (False, True)
        raise ValueError("y")

    with pytest.raises(ValueError, match="x"):
        f()
    assert state() == (True, False)
    with pytest.raises(ValueError, match="y"):
        g()
    assert state() == (True, False)


def test_exceptions_are_not_swallowed():
    for cm in (no_grad(), enable_grad(), set_grad_enabled(True), inference_mode()):
        cm.__enter__()
        assert cm.__exit__(None, None, None) is None
        cm.__enter__()
        assert not cm.__exit__(ValueError, ValueError("v"), None)
    assert state() == (True, False)


# --------------------------------------------------------------------------------------------
# set_grad_enabled

def test_set_grad_enabled_plain_call_sets_immediately():
    set_grad_enabled(False)
    assert not is_grad_enabled()
    set_grad_enabled(True)
    assert is_grad_enabled()
    with no_grad():
        set_grad_enabled(True)
        assert is_grad_enabled()
    assert is_grad_enabled()  # no_grad restored what it found on entry


def test_set_grad_enabled_context_restores_mode_from_before_the_call():
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    _tls.grad_enabled = False
    with set_grad_enabled(True):
        assert is_grad_enabled()
    assert not is_grad_enabled()


def test_set_grad_enabled_conditional():
    for is_train in (True, False):
        with set_grad_enabled(is_train):
            assert is_grad_enabled() is is_train
        assert is_grad_enabled()


def test_set_grad_enabled_decorator():
    @set_grad_enabled(False)
    def f(x):
        """Doc of f."""
        return x, is_grad_enabled()

    # Building the decorator must not leave grad mode changed.
    assert is_grad_enabled()
    assert f(3) == (3, False)
    assert is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "Doc of f."

    @set_grad_enabled(True)
    def g():
        return is_grad_enabled()

    with no_grad():
        assert g() is True
        assert not is_grad_enabled()
        assert f(1) == (1, False)
        assert not is_grad_enabled()


def test_set_grad_enabled_decorator_built_under_no_grad():
    with no_grad():
        deco = set_grad_enabled(True)
        assert is_grad_enabled()

        @deco
        def f():
            return is_grad_enabled()

        assert not is_grad_enabled()
    assert f() is True
    assert is_grad_enabled()


@pytest.mark.parametrize("bad", [1, 0, None, "yes", 1.0, [True]])
def test_set_grad_enabled_requires_bool(bad):
    with pytest.raises(TypeError, match="must be bool"):
        set_grad_enabled(bad)
    assert is_grad_enabled()


def test_set_grad_enabled_rejects_numpy_bool():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="must be bool, not numpy"):
        set_grad_enabled(np.bool_(False))
    assert is_grad_enabled()


def test_set_grad_enabled_repr():
    s = set_grad_enabled(False)
    assert repr(s) == str(s) == "gpugrad.autograd.grad_mode.set_grad_enabled(mode=False)"
    assert s.mode is False and s.prev is True
    set_grad_enabled(True)


# --------------------------------------------------------------------------------------------
# inference_mode

def test_inference_mode_flags():
    with inference_mode() as value:
        assert value is None
        assert state() == (False, True)
        assert _tls.inference is True
    assert state() == (True, False)


def test_inference_mode_false_turns_inference_off_and_grad_on():
    with inference_mode():
        with inference_mode(False):
            assert state() == (True, False)
            with no_grad():
                assert state() == (False, False)
            assert state() == (True, False)
        assert state() == (False, True)
    with no_grad():
        with inference_mode(False):
            assert state() == (True, False)
        assert state() == (False, False)
    assert state() == (True, False)


def test_enable_grad_inside_inference_mode_keeps_inference():
    with inference_mode():
        with enable_grad():
            assert state() == (True, True)
            with inference_mode(False):
                assert state() == (True, False)
            assert state() == (True, True)
        assert state() == (False, True)
    assert state() == (True, False)


def test_inference_mode_exit_restores_grad_changed_inside():
    with inference_mode():
        set_grad_enabled(True)
        assert state() == (True, True)
    assert state() == (True, False)
    _tls.grad_enabled = False
    with inference_mode():
        set_grad_enabled(True)
    assert state() == (False, False)


def test_nested_inference_mode():
    with no_grad():
        with inference_mode():
            with inference_mode():
                assert state() == (False, True)
            assert state() == (False, True)
        assert state() == (False, False)


def test_inference_mode_decorator_forms():
    def probe():
        """Probe doc."""
        return state()

    bare = inference_mode(probe)
    assert bare() == (False, True)
    assert bare.__name__ == "probe" and bare.__doc__ == "Probe doc."
    assert bare.__wrapped__ is probe

    @inference_mode
    def f():
        return state()

    @inference_mode()
    def g():
        return state()

    @inference_mode(True)
    def h():
        return state()

    @inference_mode(False)
    def k():
        return state()

    assert f() == g() == h() == (False, True)
    assert state() == (True, False)
    with inference_mode():
        assert k() == (True, False)
        assert state() == (False, True)
    with no_grad():
        assert k() == (True, False)
        assert state() == (False, False)


def test_inference_mode_mode_attribute_and_clone():
    on, off = inference_mode(), inference_mode(False)
    assert on.mode is True and off.mode is False
    c = off.clone()
    assert type(c) is inference_mode and c is not off and c.mode is False
    assert inference_mode(True).clone().mode is True


# --------------------------------------------------------------------------------------------
# Decorator forms on functions and methods

@pytest.mark.parametrize("deco", [no_grad, no_grad(), set_grad_enabled(False)],
                         ids=["bare", "called", "set_grad_enabled"])
def test_no_grad_decorator_forms(deco):
    assert is_grad_enabled()  # set_grad_enabled(False) was built at collection, then restored

    def f(a, b=2, *, c=3):
        """Adds."""
        return a + b + c, is_grad_enabled()

    wrapped = deco(f)
    assert wrapped(1, c=10) == (13, False)
    assert is_grad_enabled()
    assert wrapped.__name__ == "f" and wrapped.__doc__ == "Adds."
    assert wrapped.__wrapped__ is f
    assert wrapped.__qualname__ == f.__qualname__


def test_bare_decorators_return_functions():
    def f():
        return is_grad_enabled()

    for deco in (no_grad, enable_grad, inference_mode):
        w = deco(f)
        assert callable(w) and not isinstance(w, grad_mode._DecoratorContextManager)
    assert isinstance(no_grad(), no_grad) and isinstance(enable_grad(), enable_grad)


def test_enable_grad_decorator_forms():
    @enable_grad
    def f():
        return is_grad_enabled()

    @enable_grad()
    def g():
        return is_grad_enabled()

    with no_grad():
        assert f() is True and g() is True
        assert not is_grad_enabled()
    with inference_mode():
        assert f() is True
        assert state() == (False, True)


def test_decorated_methods():
    class Model:
        def __init__(self):
            self.calls = []

        @no_grad()
        def forward(self, x):
            """Forward doc."""
            self.calls.append(is_grad_enabled())
            return x * 2

        @no_grad
        def bare(self):
            return is_grad_enabled()

        @inference_mode
        def infer(self):
            return state()

        @enable_grad
        def train_step(self):
            return is_grad_enabled()

        @staticmethod
        @no_grad
        def static():
            return is_grad_enabled()

        @classmethod
        @no_grad()
        def klass(cls):
            return cls, is_grad_enabled()

    m = Model()
    assert m.forward(3) == 6 and m.calls == [False]
    assert Model.forward.__name__ == "forward" and Model.forward.__doc__ == "Forward doc."
    assert m.bare() is False
    assert m.infer() == (False, True)
    with no_grad():
        assert m.train_step() is True
    assert Model.static() is False
    assert Model.klass() == (Model, False)
    assert state() == (True, False)


def test_decorator_gets_fresh_context_per_call_recursion():
    # Each call enters its own clone; a shared instance would restore the wrong mode.
    @no_grad
    def countdown(n):
        assert not is_grad_enabled()
        return 0 if n == 0 else 1 + countdown(n - 1)

    assert countdown(5) == 5
    assert is_grad_enabled()

    @inference_mode()
    def inf_countdown(n):
        assert state() == (False, True)
        return 0 if n == 0 else inf_countdown(n - 1)

    inf_countdown(4)
    assert state() == (True, False)

    @set_grad_enabled(False)
    def sge_countdown(n):
        assert not is_grad_enabled()
        return 0 if n == 0 else sge_countdown(n - 1)

    sge_countdown(4)
    assert is_grad_enabled()


def test_clone_returns_fresh_instances():
    for cm in (no_grad(), enable_grad()):
        c = cm.clone()
        assert type(c) is type(cm) and c is not cm
    s = set_grad_enabled(False)
    c = s.clone()
    assert type(c) is set_grad_enabled and c is not s and c.mode is False
    set_grad_enabled(True)


def test_decorator_uses_clone(monkeypatch):
    made = []
    orig = no_grad.clone

    def counting_clone(self):
        c = orig(self)
        made.append(c)
        return c

    monkeypatch.setattr(no_grad, "clone", counting_clone)
    f = no_grad()(lambda: is_grad_enabled())
    assert f() is False and f() is False
    assert len(made) == 2 and made[0] is not made[1]


def test_decorating_a_class_warns_and_wraps_constructor():
    with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):
        @no_grad()
        class C:
            def __init__(self):
                self.grad = is_grad_enabled()

            def method(self):
                return is_grad_enabled()

    obj = C()
    assert obj.grad is False
    assert obj.method() is True


def test_context_decorator_rejects_ambiguous_and_classes():
    with pytest.raises(AssertionError, match="ambiguous"):
        grad_mode.context_decorator(no_grad, lambda: None)
    with pytest.raises(AssertionError, match="ambiguous"):
        grad_mode.context_decorator(no_grad(), lambda: None)  # instances are callable too
    with pytest.raises(RuntimeError, match="Cannot decorate classes"):
        grad_mode.context_decorator(lambda: no_grad(), int)

    class Counting:  # a context manager that is not callable is used as-is for every call
        entered = 0

        def __enter__(self):
            Counting.entered += 1

        def __exit__(self, *exc):
            pass

    f = grad_mode.context_decorator(Counting(), is_grad_enabled)
    assert f() is True and f() is True
    assert Counting.entered == 2


# --------------------------------------------------------------------------------------------
# Generators

def test_generator_mode_holds_inside_and_caller_restored_between_yields():
    @no_grad()
    def gen(n):
        """Gen doc."""
        for i in range(n):
            yield i, is_grad_enabled()

    assert gen.__name__ == "gen" and gen.__doc__ == "Gen doc."
    it = gen(3)
    assert is_grad_enabled()
    out = []
    for item in it:
        out.append(item)
        assert is_grad_enabled()
    assert out == [(0, False), (1, False), (2, False)]


def test_generator_bare_decorator_and_return_value():
    @no_grad
    def gen():
        yield is_grad_enabled()
        return "done"

    it = gen()
    assert next(it) is False
    assert is_grad_enabled()
    with pytest.raises(StopIteration) as info:
        next(it)
    assert info.value.value == "done"
    assert is_grad_enabled()


def test_generator_send():
    @no_grad()
    def accumulate():
        total = 0
        while True:
            x = yield total, is_grad_enabled()
            total += x

    it = accumulate()
    assert next(it) == (0, False)
    assert is_grad_enabled()
    assert it.send(5) == (5, False)
    assert is_grad_enabled()
    with enable_grad():
        pass
    with no_grad():
        # The caller's own mode is restored between yields, whatever it is.
        assert it.send(2) == (7, False)
        assert not is_grad_enabled()
    assert it.send(1) == (8, False)
    assert is_grad_enabled()


def test_generator_enable_grad_called_from_no_grad():
    @enable_grad
    def gen():
        while True:
            yield is_grad_enabled()

    with no_grad():
        it = gen()
        assert next(it) is True
        assert not is_grad_enabled()
        assert it.send(None) is True
        assert not is_grad_enabled()
        it.close()
        assert not is_grad_enabled()


def test_generator_throw_caught_inside():
    seen = []

    @no_grad()
    def gen():
        while True:
            try:
                yield "value", is_grad_enabled()
            except KeyError as e:
                seen.append((e.args[0], is_grad_enabled()))
                yield "handled", is_grad_enabled()

    it = gen()
    assert next(it) == ("value", False)
    assert it.throw(KeyError("k")) == ("handled", False)
    assert seen == [("k", False)]
    assert is_grad_enabled()
    assert next(it) == ("value", False)
    assert is_grad_enabled()


def test_generator_throw_uncaught_propagates():
    @no_grad()
    def gen():
        yield 1
        yield 2

    it = gen()
    next(it)
    with pytest.raises(ValueError, match="bad"):
        it.throw(ValueError("bad"))
    assert is_grad_enabled()
    with pytest.raises(StopIteration):
        next(it)


def test_generator_close_runs_cleanup_in_mode():
    cleanup = []

    @inference_mode()
    def gen():
        try:
            while True:
                yield state()
        except GeneratorExit:
            cleanup.append(("exit", state()))
            raise
        finally:
            cleanup.append(("finally", state()))

    it = gen()
    assert next(it) == (False, True)
    assert state() == (True, False)
    it.close()
    assert cleanup == [("exit", (False, True)), ("finally", (False, True))]
    assert state() == (True, False)
    it.close()  # closing again is a no-op
    assert cleanup == [("exit", (False, True)), ("finally", (False, True))]


def test_generator_close_before_start():
    ran = []

    @no_grad
    def gen():
        ran.append(True)
        yield 1

    it = gen()
    it.close()
    assert ran == [] and is_grad_enabled()


def test_generator_yield_from_and_return():
    @no_grad()
    def inner():
        got = yield is_grad_enabled()
        return got * 10

    def outer():
        result = yield from inner()
        yield "result", result, is_grad_enabled()

    it = outer()
    assert next(it) is False
    assert is_grad_enabled()
    assert it.send(4) == ("result", 40, True)


def test_generator_created_but_not_started_does_not_change_mode():
    @inference_mode
    def gen():
        yield state()

    it = gen()
    assert state() == (True, False)
    assert list(it) == [(False, True)]
    assert state() == (True, False)


def test_generator_in_method():
    class Loader:
        @no_grad()
        def batches(self, n):
            for i in range(n):
                yield i, is_grad_enabled()

    assert list(Loader().batches(2)) == [(0, False), (1, False)]
    assert is_grad_enabled()


# --------------------------------------------------------------------------------------------
# Threads

def test_new_thread_starts_with_defaults():
    _tls.grad_enabled = False
    with inference_mode():
        assert run_in_thread(state) == (True, False)
    set_grad_enabled(False)
    assert run_in_thread(state) == (True, False)
    assert run_in_thread(lambda: (_tls.grad_enabled, _tls.inference)) == (True, False)


def test_mode_set_in_thread_does_not_leak_back():
    def work():
        set_grad_enabled(False)
        _tls.inference = True
        return state()

    assert run_in_thread(work) == (False, True)
    assert state() == (True, False)


def test_two_threads_toggling_in_lockstep():
    barrier = threading.Barrier(2, timeout=10)
    log = {"a": [], "b": []}

    def a():
        with no_grad():
            barrier.wait()                 # 1: a has grad off
            barrier.wait()                 # 2: b has inference on
            log["a"].append(state())
            with enable_grad():
                barrier.wait()             # 3
                barrier.wait()             # 4: b left inference mode
                log["a"].append(state())
        log["a"].append(state())

    def b():
        barrier.wait()                     # 1
        log["b"].append(state())
        with inference_mode():
            barrier.wait()                 # 2
            barrier.wait()                 # 3: a turned grad on
            log["b"].append(state())
        barrier.wait()                     # 4
        log["b"].append(state())

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log["a"] == [(False, False), (True, False), (True, False)]
    assert log["b"] == [(True, False), (False, True), (True, False)]
    assert state() == (True, False)


def test_concurrent_toggling_never_sees_other_threads_mode():
    n_threads, iters = 4, 2000
    errors = []
    start = threading.Barrier(n_threads, timeout=10)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible

    def worker(k):
        try:
            start.wait()
            for i in range(iters):
                want = (i + k) % 2 == 0
                set_grad_enabled(want)
                for _ in range(3):
                    if is_grad_enabled() is not want:
                        errors.append(("plain", k, i))
                with no_grad():
                    if is_grad_enabled():
                        errors.append(("no_grad", k, i))
                    with inference_mode(k % 2 == 0):
                        if state() != ((k % 2 == 1), (k % 2 == 0)):
                            errors.append(("inference", k, i))
                if is_grad_enabled() is not want or is_inference_mode_enabled():
                    errors.append(("restore", k, i))
        except BaseException as e:
            errors.append(e)

    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    assert state() == (True, False)


def test_decorated_function_in_threads():
    @no_grad
    def f():
        return is_grad_enabled()

    results = []
    threads = [threading.Thread(target=lambda: results.append((f(), is_grad_enabled())))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(False, True)] * 4


# --------------------------------------------------------------------------------------------
# Same behaviour as PyTorch. Each scenario runs in a fresh thread for both libraries, so a mode
# one of them leaves behind (some scenarios leave one on purpose) cannot reach other tests.

def _trace_nesting(m):
    t = []
    rec = lambda: t.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))  # noqa: E731
    rec()
    with m.no_grad():
        rec()
        with m.enable_grad():
            rec()
            with m.set_grad_enabled(False):
                rec()
            rec()
        rec()
    rec()
    return t


def _trace_inference(m):
    t = []

    def rec(tag):
        t.append((tag, m.is_grad_enabled(), m.is_inference_mode_enabled()))

    with m.inference_mode():
        rec("inf")
        with m.inference_mode(False):
            rec("inf/off")
            with m.no_grad():
                rec("inf/off/no_grad")
            rec("inf/off back")
        with m.enable_grad():
            rec("inf/enable")
            with m.inference_mode(False):
                rec("inf/enable/off")
            with m.inference_mode(True):
                rec("inf/enable/on")
            rec("inf/enable back")
        rec("inf back")
        m.set_grad_enabled(True)
        rec("inf/set True")
    rec("after inf")
    with m.no_grad():
        with m.inference_mode(False):
            rec("no_grad/off")
        with m.inference_mode():
            with m.inference_mode():
                rec("no_grad/inf/inf")
            rec("no_grad/inf")
        rec("no_grad")
    rec("end")
    m.set_grad_enabled(False)
    with m.inference_mode():
        m.set_grad_enabled(True)
    rec("after inf set True, started off")
    return t


def _trace_set_grad_enabled(m):
    t = []
    rec = lambda tag: t.append((tag, m.is_grad_enabled()))  # noqa: E731
    s = m.set_grad_enabled(False)
    rec("plain False")
    t.append(("attrs", s.mode, s.prev))

    @s
    def f():
        return m.is_grad_enabled()

    rec("after decorating")
    t.append(("call", f()))
    rec("after call")
    with m.set_grad_enabled(False):
        rec("ctx False")
    rec("after ctx")
    with m.no_grad():
        m.set_grad_enabled(True)
        rec("plain True in no_grad")
        with m.set_grad_enabled(False):
            rec("ctx")
        rec("after ctx")
    rec("after no_grad")
    d = m.set_grad_enabled(True)
    t.append(("clone", d.clone().mode, type(d.clone()).__name__))
    rec("end")
    return t


def _trace_decorators(m):
    t = []

    def probe():
        """Probe."""
        return m.is_grad_enabled(), m.is_inference_mode_enabled()

    wrapped = [m.no_grad(probe), m.no_grad()(probe), m.enable_grad(probe), m.enable_grad()(probe),
               m.inference_mode(probe), m.inference_mode()(probe), m.inference_mode(False)(probe),
               m.set_grad_enabled(False)(probe), m.set_grad_enabled(True)(probe)]
    for outer in (None, m.no_grad, m.inference_mode):
        for w in wrapped:
            if outer is None:
                t.append(w())
            else:
                with outer():
                    t.append(w())
            t.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
    t.append([(w.__name__, w.__doc__, w.__wrapped__ is probe) for w in wrapped])
    t.append([type(w).__name__ for w in wrapped])
    return t


def _trace_generator(m):
    t = []

    def rec(tag):
        t.append((tag, m.is_grad_enabled(), m.is_inference_mode_enabled()))


    def make(deco):
        @deco
        def gen():
            try:
                x = yield "start", m.is_grad_enabled(), m.is_inference_mode_enabled()
                while True:
                    try:
                        x = yield x, m.is_grad_enabled(), m.is_inference_mode_enabled()
                    except KeyError as e:
                        x = yield "caught", e.args[0], m.is_grad_enabled()
                    if x == "stop":
                        return "returned"
            finally:
                rec("gen finally")
        return gen

    for name, deco in [("no_grad", m.no_grad), ("no_grad()", m.no_grad()),
                       ("inference", m.inference_mode),
                       ("inference(False)", m.inference_mode(False)),
                       ("enable", m.enable_grad), ("sge(False)", m.set_grad_enabled(False))]:
        for outer in (m.enable_grad, m.no_grad, m.inference_mode):
            with outer():
                rec(name)
                it = make(deco)()
                t.append(next(it))
                rec("caller")
                t.append(it.send(1))
                rec("caller")
                t.append(it.throw(KeyError("k")))
                rec("caller")
                try:
                    it.throw(ValueError("v"))
                except ValueError as e:
                    t.append(("raised", str(e)))
                rec("caller")
                it = make(deco)()
                next(it)
                try:
                    it.send("stop")
                except StopIteration as e:
                    t.append(("stop", e.value))
                rec("caller")
                it = make(deco)()
                next(it)
                it.close()
                rec("after close")
    return t


def _trace_exceptions(m):
    t = []
    for make in (m.no_grad, m.enable_grad, lambda: m.set_grad_enabled(False), m.inference_mode,
                 lambda: m.inference_mode(False)):
        for start in (m.enable_grad, m.no_grad, m.inference_mode):
            with start():
                try:
                    with make():
                        raise RuntimeError
                except RuntimeError:
                    pass
                t.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
    return t


def _trace_reused_instance(m):
    # Entering one instance twice overwrites its saved mode; both libraries do the same.
    t = []
    ng = m.no_grad()
    with ng:
        with ng:
            pass
        t.append(m.is_grad_enabled())
    t.append(m.is_grad_enabled())
    m.set_grad_enabled(True)
    im = m.inference_mode()
    with im:
        with im:
            pass
        t.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
    t.append((m.is_grad_enabled(), m.is_inference_mode_enabled()))
    return t


def _trace_misc(m):
    t = []
    for cm in (m.no_grad(), m.enable_grad(), m.set_grad_enabled(True), m.inference_mode(),
               m.inference_mode(False)):
        with cm as value:
            t.append(value)
    t.append(sorted(k for k in vars(m.no_grad()) if not k.startswith("_")))
    t.append(sorted(k for k in vars(m.enable_grad()) if not k.startswith("_")))
    t.append(sorted(k for k in vars(m.inference_mode(False)) if not k.startswith("_")))
    for bad in (1, 0, None, "x", 1.5):
        try:
            m.set_grad_enabled(bad)
            t.append(("accepted", bad))
        except TypeError as e:
            t.append(("TypeError", str(e)))
    w = m.inference_mode(1)  # not a bool: treated as the thing to decorate
    t.append(callable(w) and not isinstance(w, m.inference_mode))
    t.append(str(m.set_grad_enabled(False)).rsplit(".", 1)[-1])
    m.set_grad_enabled(True)
    t.append(type(m.no_grad().clone()).__name__)
    t.append(m.inference_mode(False).clone().mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @m.no_grad()
        class C:
            def __init__(self):
                self.grad = m.is_grad_enabled()

        t.append((C().grad, [w.category.__name__ for w in caught]))
    try:
        m.no_grad()(int)  # goes through the class path: warns, does not raise
        t.append("class ok")
    except Exception as e:  # pragma: no cover - recorded for the comparison
        t.append(type(e).__name__)
    return t


def _trace_threads(m):
    t = []
    with m.no_grad():
        with m.inference_mode():
            t.append(run_in_thread(lambda: (m.is_grad_enabled(), m.is_inference_mode_enabled())))
    m.set_grad_enabled(False)
    t.append(run_in_thread(lambda: (m.is_grad_enabled(), m.is_inference_mode_enabled())))
    t.append(m.is_grad_enabled())
    return t


_SCENARIOS = [_trace_nesting, _trace_inference, _trace_set_grad_enabled, _trace_decorators,
              _trace_generator, _trace_exceptions, _trace_reused_instance, _trace_misc,
              _trace_threads]


@pytest.mark.torch
@pytest.mark.parametrize("scenario", _SCENARIOS, ids=lambda f: f.__name__[len("_trace_"):])
def test_matches_torch(scenario):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        expected = run_in_thread(scenario, torch)
        got = run_in_thread(scenario, grad_mode)
    assert got == expected
    assert state() == (True, False)


@pytest.mark.torch
def test_torch_and_gpugrad_modes_are_independent():
    torch = pytest.importorskip("torch")

    def work():
        with torch.no_grad():
            assert state() == (True, False)
        with no_grad():
            assert torch.is_grad_enabled()
        with inference_mode():
            assert not torch.is_inference_mode_enabled()
        return True

    assert run_in_thread(work)
