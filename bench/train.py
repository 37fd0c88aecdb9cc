"""Training-step time: an MLP 784-1024-1024-10 (ReLU, cross-entropy) with SGD and Adam at
batch 512 and 64, and a small CNN, in gpugrad, PyTorch and (MLP) hand-written NumPy.

One step is ``zero_grad(); loss = cross_entropy(model(x), y); loss.backward(); step()``.
Both libraries start from the same weights and run interleaved in one process.

    python bench/train.py [--quick]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench import models  # noqa: E402
from bench._common import RESULTS, Settings, case, torch_or_none  # noqa: E402
from bench._timing import set_threads, write_jsonl  # noqa: E402
import gpugrad as gg  # noqa: E402

# The most gpugrad's step may take over PyTorch's, by batch size (the project's targets).
TARGETS = {512: 1.0, 64: 1.3}
LR = 0.01


def _optimizer(lib, name, params):
    if name == "sgd":
        return lib.optim.SGD(params, lr=LR, momentum=0.9)
    return lib.optim.Adam(params, lr=LR * 0.1)


def _stepper(lib, model, opt, x, y):
    F = lib.nn.functional

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _setup(build, torch, shape, opt_name):
    x, y = models.data(shape)
    model = build(gg)
    fns = {"gpugrad": _stepper(gg, model, _optimizer(gg, opt_name, model.parameters()),
                               gg.tensor(x), gg.tensor(y))}
    if torch is not None:
        tmodel = build(torch)
        models.copy_weights(model, tmodel, torch)
        fns["torch"] = _stepper(torch, tmodel, _optimizer(torch, opt_name, tmodel.parameters()),
                                torch.from_numpy(x), torch.from_numpy(y))
    return model, fns, x, y


def run(settings, batches=(512, 64), libs=None):
    """``libs``: time only these libraries (one process per library gives solo figures)."""
    torch = torch_or_none() if libs is None or "torch" in libs else None
    rows = []

    def only(fns):
        return fns if libs is None else {k: v for k, v in fns.items() if k in libs}
    for batch in batches:
        for opt_name in ("sgd", "adam"):
            model, fns, x, y = _setup(models.mlp, torch, (batch, 784), opt_name)
            ref = models.NumpyMLP(model, opt_name, lr=LR if opt_name == "sgd" else LR * 0.1)
            fns["numpy"] = (lambda ref=ref, x=x, y=y: ref.step(x, y))
            rows.append(case(settings, "train", f"mlp b{batch} {opt_name}", only(fns),
                             repeat=settings.rounds(15, 5), min_time=settings.rounds(0.1, 0.03),
                             unit="ms", target=TARGETS[batch]))
    _, fns, _, _ = _setup(models.cnn, torch, (64, 1, 28, 28), "sgd")
    rows.append(case(settings, "train", "cnn b64 sgd", only(fns), repeat=settings.rounds(9, 3),
                     min_time=settings.rounds(0.1, 0.03), unit="ms"))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--lib", choices=["gpugrad", "torch", "numpy"],
                   help="time one library alone in this process (a solo cross-check)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--json", default=os.path.join(RESULTS, "train.jsonl"))
    args = p.parse_args(argv)
    set_threads(args.threads)
    rows = run(Settings(quick=args.quick), libs=None if args.lib is None else {args.lib})
    write_jsonl(args.json, rows)


if __name__ == "__main__":
    main()
