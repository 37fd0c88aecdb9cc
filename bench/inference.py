"""Inference time: the MLP 784-1024-1024-10 forward at batch 512 under no_grad (and with grad
on, for comparison), in gpugrad, PyTorch and NumPy, interleaved in one process.

    python bench/inference.py [--quick]
"""
import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench import models  # noqa: E402
from bench._common import RESULTS, Settings, case, torch_or_none  # noqa: E402
from bench._timing import write_jsonl  # noqa: E402
import gpugrad as gg  # noqa: E402

TARGET_NO_GRAD = 1.0


def run(settings, batch=512):
    torch = torch_or_none()
    x, _ = models.data((batch, 784))
    model = models.mlp(gg)
    xg = gg.tensor(x)
    fns = {"gpugrad": lambda: model(xg)}
    libs = [gg]
    if torch is not None:
        tmodel = models.mlp(torch)
        models.copy_weights(model, tmodel, torch)
        xt = torch.from_numpy(x)
        fns["torch"] = lambda: tmodel(xt)
        libs.append(torch)
    ref = models.NumpyMLP(model)
    rows = []
    for mode in ("no_grad", "grad"):
        with contextlib.ExitStack() as stack:
            if mode == "no_grad":
                for lib in libs:
                    stack.enter_context(lib.no_grad())
                fns["numpy"] = lambda: ref.forward(x)
            else:
                fns.pop("numpy", None)
            rows.append(case(settings, "inference", f"mlp b{batch} {mode}", dict(fns),
                             repeat=settings.rounds(15, 5),
                             min_time=settings.rounds(0.1, 0.03), unit="ms",
                             target=TARGET_NO_GRAD if mode == "no_grad" else None))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", default=os.path.join(RESULTS, "inference.jsonl"))
    args = p.parse_args(argv)
    write_jsonl(args.json, run(Settings(quick=args.quick)))


if __name__ == "__main__":
    main()
