"""``python -m gpugrad.demo``: train a small CNN on scikit-learn's 8x8 digits, then show what
turning grad mode off saves at inference.

It trains Conv2d -> ReLU -> MaxPool2d (twice) -> Linear with Adam and a one-cycle schedule
on the default device (``--device`` to choose), prints the test accuracy, then runs the
test set through the model three ways (grad on, ``gg.no_grad()``, ``gg.inference_mode()``)
and prints each one's peak memory and time. ``--plot PATH`` saves those as a bar chart.

Example::

    $ python -m gpugrad.demo --epochs 12 --seed 0 --plot inference.png

Needs the ``demo`` extra (scikit-learn, tqdm) and, for ``--plot``, matplotlib:
``pip install "gpugrad[demo,plot]"``.
"""
import argparse
import contextlib
import importlib
import sys
import time
import tracemalloc

import gpugrad as gg
from gpugrad import nn
from gpugrad.utils.data import DataLoader, TensorDataset, random_split

__all__ = ["main", "build_model", "load_digits", "measure_peak_memory", "inference_table"]

MODES = ("grad", "no_grad", "inference_mode")


def _need(module, extra):
    try:
        return importlib.import_module(module)
    except ImportError:
        sys.exit(f"the demo needs {module}: pip install \"gpugrad[{extra}]\"")


def load_digits(seed, device):
    """scikit-learn's bundled 8x8 digits (no download) as (train, test) TensorDatasets,
    pixels scaled to [0, 1], split 80/20 at random with ``seed``."""
    digits = _need("sklearn.datasets", "demo").load_digits()
    images = gg.tensor(digits.images / 16.0, dtype=gg.float32, device=device).unsqueeze(1)
    labels = gg.tensor(digits.target, dtype=gg.int64, device=device)
    train, test = random_split(range(len(labels)), [0.8, 0.2],
                               generator=gg.Generator().manual_seed(seed))
    def pick(subset):
        return TensorDataset(images[subset.indices], labels[subset.indices])

    return pick(train), pick(test)


def build_model():
    """Conv(1->16) -> ReLU -> MaxPool -> Conv(16->32) -> ReLU -> MaxPool -> Linear(128->10)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 32 x 2 x 2
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


def train(model, dataset, epochs, seed, batch_size=32, max_lr=0.01):
    """Adam with a one-cycle learning rate; a tqdm bar over all batches of all epochs."""
    tqdm = _need("tqdm", "demo").tqdm
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                        generator=gg.Generator().manual_seed(seed))
    opt = gg.optim.Adam(model.parameters(), lr=max_lr)
    sched = gg.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs,
                                             steps_per_epoch=len(loader))
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    with tqdm(total=epochs * len(loader), desc="training", unit="batch",
              mininterval=0.5) as bar:
        for epoch in range(epochs):
            for x, y in loader:
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                sched.step()
                bar.update()
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")


def accuracy(model, dataset):
    x, y = dataset.tensors
    model.eval()
    with gg.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


@contextlib.contextmanager
def _grad_mode(mode):
    if mode == "no_grad":
        with gg.no_grad():
            yield
    elif mode == "inference_mode":
        with gg.inference_mode():
            yield
    else:
        with gg.enable_grad():
            yield


def measure_peak_memory(fn, device):
    """Run ``fn()`` and return ``(result, peak bytes above the level before, counter name)``.

    Uses gpugrad's own counters (``gg.max_memory_allocated``) where this gpugrad has them,
    and otherwise tracemalloc, which sees NumPy's allocations (cpu only).
    """
    if hasattr(gg, "max_memory_allocated"):
        gg.reset_peak_memory_stats(device)
        before = gg.memory_allocated(device)
        result = fn()
        return result, gg.max_memory_allocated(device) - before, "gg.max_memory_allocated"
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - before, "tracemalloc"
    finally:
        if started:
            tracemalloc.stop()


def _sync(device):
    if gg.device(device).type == "cuda":
        gg.cuda.synchronize()


def inference_table(model, x, device, repeats=3):
    """Peak memory and best time of a forward pass over ``x`` in each grad mode.

    The output is kept until the measurement ends, as a caller would keep it: with grad on,
    it holds the graph and every activation the backward pass would need.
    """
    model.eval()
    rows = []
    for mode in MODES:
        def forward():
            with _grad_mode(mode):
                out = model(x)
            _sync(device)
            return out

        forward()                                   # warm-up (kernel compiles, caches)
        out, peak, counter = measure_peak_memory(forward, device)
        del out
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = forward()
            times.append(time.perf_counter() - t0)
            del out
        rows.append({"mode": mode, "peak_bytes": peak, "seconds": min(times),
                     "counter": counter})
    return rows


def print_table(rows, n):
    print(f"\ninference on {n} test images (peak memory from {rows[0]['counter']})")
    print(f"{'mode':<16}{'peak memory':>14}{'time':>12}")
    for r in rows:
        print(f"{r['mode']:<16}{r['peak_bytes'] / 2 ** 10:>11.1f} KiB"
              f"{r['seconds'] * 1e3:>9.2f} ms")


def plot(rows, path):
    """A two-panel bar chart (peak memory, time) of the inference table, saved to path."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit('--plot needs matplotlib: pip install "gpugrad[plot]"')
    modes = [r["mode"] for r in rows]
    fig, (ax_mem, ax_time) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_mem.bar(modes, [r["peak_bytes"] / 2 ** 10 for r in rows], color="tab:blue")
    ax_mem.set_ylabel("peak memory (KiB)")
    ax_time.bar(modes, [r["seconds"] * 1e3 for r in rows], color="tab:orange")
    ax_time.set_ylabel("time (ms)")
    fig.suptitle("gpugrad inference: grad mode on vs off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m gpugrad.demo", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=12, help="training epochs (default 12)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    p.add_argument("--device", default=None, help="cpu or cuda (default: gpugrad's default)")
    p.add_argument("--plot", metavar="PATH", help="save a bar chart of the inference table")
    return p.parse_args(argv)


def _one_blas_thread():
    """Run NumPy's BLAS on one thread: this model's matrices are tiny, and BLAS threads
    spinning against each other on a busy two-core machine made training 10x slower."""
    try:
        from threadpoolctl import threadpool_limits     # comes with scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def main(argv=None):
    with _one_blas_thread():
        return _main(argv)


def _main(argv):
    args = parse_args(argv)
    device = gg.device(args.device) if args.device else gg.get_default_device()
    gg.manual_seed(args.seed)
    train_set, test_set = load_digits(args.seed, device)
    print(f"digits: {len(train_set)} training and {len(test_set)} test images, device {device}")
    model = build_model().to(device)
    start = time.perf_counter()
    train(model, train_set, args.epochs, args.seed)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")
    acc = accuracy(model, test_set)
    print(f"test accuracy: {acc * 100:.2f}%")
    rows = inference_table(model, test_set.tensors[0], device)
    print_table(rows, len(test_set))
    if args.plot:
        plot(rows, args.plot)
        print(f"saved {args.plot}")
    return acc


if __name__ == "__main__":
    main()
