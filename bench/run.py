"""Run every benchmark: per-op overhead, training steps, inference, memory, and (with a GPU)
the fused CUDA kernels. Writes JSON lines to bench/results/*.jsonl and a markdown table of
gpugrad/PyTorch ratios to bench/results/summary.md.

    python -m bench                 # everything (about 10 minutes on 2 cores)
    python -m bench --quick         # fewer, shorter rounds (about a minute)
    python -m bench --only overhead,train
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench._common import RESULTS, Settings, markdown  # noqa: E402
from bench._timing import MAX_LOAD, environment, set_threads, write_jsonl  # noqa: E402

SPEED = ("overhead", "train", "inference")
ALL = SPEED + ("memory", "cuda")


def _memory(quick):
    """bench/memory.py in a child process (its own tracemalloc and counters), when present."""
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "memory.py")
    if not os.path.exists(script):
        print("memory: bench/memory.py not present; skipped")
        return
    cmd = [sys.executable, script] + (["--models", "mlp"] if quick else [])
    print("memory: " + " ".join(cmd[1:]))
    subprocess.run(cmd, check=False)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    p.add_argument("--only", default=",".join(ALL), help="comma-separated: " + ",".join(ALL))
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="intra-op threads for NumPy's BLAS and PyTorch alike (default: cores)")
    p.add_argument("--max-load", type=float, default=MAX_LOAD,
                   help="others' share of the CPU above which a figure is retried, then "
                        "marked 'loaded'")
    p.add_argument("--summary", default=os.path.join(RESULTS, "summary.md"))
    args = p.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    set_threads(args.threads)
    env = environment()
    env["threads_setting"] = args.threads
    print(json.dumps(env, indent=1))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    settings = Settings(quick=args.quick, max_load=args.max_load,
                        retries=2 if args.quick else 3, max_wait=5.0 if args.quick else 30.0)
    write_jsonl(os.path.join(RESULTS, "env.jsonl"), [dict(env, run=stamp)])
    rows = []
    for name in only:
        if name in SPEED:
            print(f"\n== {name}")
            mod = __import__(f"bench.{name}", fromlist=["run"])
            got = mod.run(settings)
            for r in got:
                r["run"] = stamp
            write_jsonl(os.path.join(RESULTS, f"{name}.jsonl"), got)
            rows += got
        elif name == "memory":
            print("\n== memory")
            _memory(args.quick)
        elif name == "cuda":
            print("\n== cuda kernels")
            from bench import cuda_kernels
            got = cuda_kernels.run(quick=args.quick)
            write_jsonl(os.path.join(RESULTS, "cuda_kernels.jsonl"), got)
    if rows:
        table = markdown(rows)
        loaded = sum(r["status"] != "clean" for r in rows)
        head = (f"Run {stamp}, {'quick' if args.quick else 'full'}, threads={args.threads}, "
                f"{env.get('cpu')} x{env.get('cores')}, numpy {env['numpy']}, "
                f"torch {env.get('torch')}; {loaded} of {len(rows)} figures loaded.\n\n")
        os.makedirs(os.path.dirname(args.summary), exist_ok=True)
        with open(args.summary, "w") as f:
            f.write(head + table + "\n")
        print("\n" + head + table)


if __name__ == "__main__":
    main()
