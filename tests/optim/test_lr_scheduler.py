"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates for 50 steps."""
import math
import warnings

import pytest

import gpugrad as gg
from gpugrad.optim import lr_scheduler

STEPS = 50


def _halve_every_ten(epoch):
    return 0.5 ** (epoch // 10)


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=20, eta_min=0.001)),     # 50 steps: past T_max, back up
    ("CosineAnnealingLR", dict(T_max=50)),
    ("LambdaLR", dict(lr_lambda=_halve_every_ten)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=60)),
    ("OneCycleLR", dict(max_lr=[0.5, 2.0], epochs=5, steps_per_epoch=12,
                        anneal_strategy="linear", pct_start=0.25)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=55, three_phase=True, div_factor=10.0)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=50, cycle_momentum=False)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.01, end_factor=0.5, total_iters=13)),
    ("MultiplicativeLR", dict(lr_lambda=_halve_every_ten)),
    ("PolynomialLR", dict(total_iters=30, power=2.0)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
                      step_size_down=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range",
                      gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=_halve_every_ten,
                      scale_mode="iterations", cycle_momentum=False)),
]

# Schedules made of schedules: (name, builder taking the lr_scheduler module and optimizer).
COMPOSED = [
    ("warmup-then-cosine", lambda S, opt: S.SequentialLR(
        opt, [S.LinearLR(opt, 0.1, total_iters=5), S.CosineAnnealingLR(opt, T_max=20)],
        milestones=[5])),
    ("three-phases", lambda S, opt: S.SequentialLR(
        opt, [S.ConstantLR(opt, 0.1, total_iters=2), S.ExponentialLR(opt, 0.9),
              S.StepLR(opt, 3, 0.5)], milestones=[4, 15])),
    ("warmup-then-restarts", lambda S, opt: S.SequentialLR(
        opt, [S.LinearLR(opt, 0.01, 1.0, 10), S.CosineAnnealingWarmRestarts(opt, 5)],
        milestones=[10])),
    ("chained", lambda S, opt: S.ChainedScheduler(
        [S.ConstantLR(opt, 0.1, total_iters=2), S.ExponentialLR(opt, 0.9)])),
    ("chained-in-sequential", lambda S, opt: S.SequentialLR(
        opt, [S.ChainedScheduler([S.LinearLR(opt, 0.5, total_iters=4),
                                  S.MultiStepLR(opt, [3, 7])]), S.StepLR(opt, 3)],
        milestones=[12])),
]


def _pair(torch, opt_name, **opt_kw):
    g1, g2 = gg.zeros(2, requires_grad=True), gg.zeros(3, requires_grad=True)
    t1, t2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    ours = getattr(gg.optim, opt_name)([{"params": [g1]}, {"params": [g2], "lr": 0.05}],
                                       lr=0.1, **opt_kw)
    theirs = getattr(torch.optim, opt_name)([{"params": [t1]}, {"params": [t2], "lr": 0.05}],
                                            lr=0.1, **opt_kw)
    return ours, theirs


def _check_resumes(make, tmp_path, before, after):
    """Step a fresh (optimizer, scheduler) pair ``before`` times, save both through gg.save,
    load them into a second fresh pair: the next ``after`` rates of the two pairs agree."""
    opt, sched = make()
    for _ in range(before):
        opt.step()
        sched.step()
    gg.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
            tmp_path / "ckpt.safetensors")
    expected = []
    for _ in range(after):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())
    ckpt = gg.load(tmp_path / "ckpt.safetensors")
    opt2, sched2 = make()
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    got = []
    for _ in range(after):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr())
    assert got == expected


def _momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


@pytest.mark.parametrize("opt_name,opt_kw", [("SGD", dict(momentum=0.9)), ("Adam", {})])
@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=lambda v: v if isinstance(v, str) else "")
def test_same_rates_as_torch(name, kw, opt_name, opt_kw, torch):
    ours_opt, theirs_opt = _pair(torch, opt_name, **opt_kw)
    ours = getattr(lr_scheduler, name)(ours_opt, **kw)
    theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **kw)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for step in range(STEPS):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15, abs=0), step
        assert [g["lr"] for g in ours_opt.param_groups] == ours.get_last_lr()
        assert _momenta(ours_opt) == pytest.approx(_momenta(theirs_opt), rel=1e-15), step
    assert ours.last_epoch == theirs.last_epoch == STEPS


# Both libraries warn when a chain in a sequence takes its first step at construction.
@pytest.mark.filterwarnings("ignore:Detected call of")
@pytest.mark.parametrize("name,build", COMPOSED, ids=[c[0] for c in COMPOSED])
def test_composed_schedules_same_rates_as_torch(name, build, torch):
    ours_opt, theirs_opt = _pair(torch, "SGD", momentum=0.9)
    ours = build(lr_scheduler, ours_opt)
    theirs = build(torch.optim.lr_scheduler, theirs_opt)
    assert ours.get_last_lr() == theirs.get_last_lr()
    for step in range(STEPS):
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr(), step
        assert [g["lr"] for g in ours_opt.param_groups] == \
            [g["lr"] for g in theirs_opt.param_groups], step


@pytest.mark.parametrize("kw", [dict(T_0=3), dict(T_0=3, T_mult=2, eta_min=0.01)])
def test_warm_restarts_at_fractional_epochs(kw, torch):
    ours_opt, theirs_opt = _pair(torch, "SGD")
    ours = lr_scheduler.CosineAnnealingWarmRestarts(ours_opt, **kw)
    theirs = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs_opt, **kw)
    for step in range(STEPS):
        ours.step(step * 0.37)
        theirs.step(step * 0.37)
        assert ours.get_last_lr() == theirs.get_last_lr(), step
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        ours.step(-1)


@pytest.mark.parametrize("build", [
    lambda S, opt: S.ConstantLR(opt, factor=2.0),
    lambda S, opt: S.LinearLR(opt, start_factor=0),
    lambda S, opt: S.LinearLR(opt, end_factor=1.5),
    lambda S, opt: S.MultiplicativeLR(opt, 0.5),
    lambda S, opt: S.MultiplicativeLR(opt, [lambda e: 1.0] * 3),
    lambda S, opt: S.CosineAnnealingWarmRestarts(opt, T_0=0),
    lambda S, opt: S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0),
    lambda S, opt: S.SequentialLR(opt, [], []),
    lambda S, opt: S.SequentialLR(opt, [S.StepLR(opt, 2)], [3]),
    lambda S, opt: S.SequentialLR(opt, [S.ReduceLROnPlateau(opt)], []),
    lambda S, opt: S.ChainedScheduler([]),
])
def test_schedule_argument_errors_as_torch(build, torch):
    ours_opt, theirs_opt = _pair(torch, "SGD")
    with pytest.raises(Exception) as ours:
        build(lr_scheduler, ours_opt)
    with pytest.raises(Exception) as theirs:
        build(torch.optim.lr_scheduler, theirs_opt)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.filterwarnings("ignore:Detected call of")
@pytest.mark.parametrize("name,build", COMPOSED[1:2] + COMPOSED[4:],
                         ids=[COMPOSED[1][0], COMPOSED[4][0]])
def test_composed_state_dict_resumes_the_schedule(name, build, tmp_path):
    def make():
        opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
        return opt, build(lr_scheduler, opt)

    _check_resumes(make, tmp_path, before=6, after=15)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.01, cooldown=2, min_lr=0.004),
    dict(mode="min", factor=0.2, patience=1, threshold=0.05, threshold_mode="abs",
         min_lr=[0.01, 0.001]),
    dict(mode="max", threshold_mode="abs", patience=0, factor=0.9, eps=1e-3),
])
def test_reduce_on_plateau_same_as_torch(kw, torch):
    ours_opt, theirs_opt = _pair(torch, "SGD")
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kw)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kw)
    for step in range(STEPS):
        # Improves, then plateaus with some noise.
        metric = 1.0 / (1 + step) if step < 8 else 0.12 + 0.02 * math.sin(step * 1.7)
        ours.step(metric)
        theirs.step(metric)
        assert ours.get_last_lr() == theirs.get_last_lr(), step
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)
    assert ours.get_last_lr() != [0.1, 0.05]      # it did reduce


def test_reduce_on_plateau_checks_arguments():
    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode middle is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="middle")
    with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


def test_one_cycle_checks_arguments():
    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        lr_scheduler.OneCycleLR(gg.optim.Adagrad([gg.zeros(1, requires_grad=True)]), 1.0,
                                total_steps=10)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        sched.step()


@pytest.mark.parametrize("name,kw", SCHEDULERS[:5] + SCHEDULERS[6:7],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_state_dict_resumes_the_schedule(name, kw, tmp_path):
    def make():
        opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        return opt, getattr(lr_scheduler, name)(opt, **kw)

    _check_resumes(make, tmp_path, before=13, after=20)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self):
            self.factor = 2.0

        def __call__(self, epoch):
            return self.factor * epoch

    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    fn = Warmup()
    sched = lr_scheduler.LambdaLR(opt, [fn])
    fn.factor = 3.0
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"factor": 3.0}]
    fresh = Warmup()
    lr_scheduler.LambdaLR(gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1),
                          [fresh]).load_state_dict(sd)
    assert fresh.factor == 3.0


def test_cyclic_state_dict_keeps_callable_objects_state(torch):
    class Decay:
        def __init__(self):
            self.base = 0.5

        def __call__(self, x):
            return self.base ** x

    def run(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        fn = Decay()
        sched = lib.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, step_size_up=3, scale_fn=fn)
        fn.base = 0.25
        sd = sched.state_dict()
        saved = sd["_scale_fn_custom"]
        fresh = Decay()
        opt2 = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        lib.optim.lr_scheduler.CyclicLR(opt2, 0.1, 1.0, scale_fn=fresh).load_state_dict(sd)
        return saved, fresh.base

    assert run(gg) == run(torch) == ({"base": 0.25}, 0.25)


@pytest.mark.parametrize("base", ["LRScheduler", "_LRScheduler"])
def test_custom_schedulers_as_torch_users_write_them(base, torch):
    def run(lib):
        class Warmup(getattr(lib.optim.lr_scheduler, base)):
            def __init__(self, optimizer, warmup, last_epoch=-1):
                self.warmup = warmup
                super().__init__(optimizer, last_epoch)

            def get_lr(self):
                return [base_lr * min(1.0, (self.last_epoch + 1) / self.warmup)
                        for base_lr in self.base_lrs]

        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        sched = Warmup(opt, 5)
        rates = [sched.get_last_lr()]
        for _ in range(8):
            opt.step()
            sched.step()
            rates.append(sched.get_last_lr())
        return rates, isinstance(sched, lib.optim.lr_scheduler.LRScheduler)

    assert run(gg) == run(torch)


def test_warns_when_stepped_before_the_optimizer():
    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        sched.step()
    opt2 = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    sched2 = lr_scheduler.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_resuming_requires_initial_lr():
    opt = gg.optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=2)
