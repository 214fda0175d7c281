"""Training throughput of the content network: samples a second, one and several processes.

Every setting runs ``python -m nplib.train content`` (L2 + adversarial, the default) on the
bundled training photos for ``--steps`` steps into a temporary folder, under ``torchrun``
when it has more than one process. Throughput is read off the run's own log: the log
stamps the training time every 10 steps, and a setting's number is the median over those
10-step intervals (the first interval, with its first decodes, left out) of
``10 * batch / seconds``. Evaluation and checkpoints are outside the timed steps.

On the CPU: the ``classroom`` config with one process of ``--threads`` threads and with two
processes of one thread each (torchrun, gloo), global batch 32 in both. On a CUDA GPU, when
present: ``classroom`` and ``paper``, fp32 and bf16 autocast (``--amp``).

    .venv/bin/python benchmarks/bench_train.py [--steps 60] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch


def run(config: str, procs: int, threads: int, steps: int, batch: int, device: str,
        amp: bool = False) -> float:  # fmt: skip
    """Median samples a second of one setting."""
    with tempfile.TemporaryDirectory() as out:
        flags = ["content", "--config", config, "--steps", str(steps), "--batch", str(batch),
                 "--eval-every", str(10 * steps), "--out", out, "--quiet", "--device", device,
                 "--threads", str(threads), *(["--amp"] if amp else [])]  # fmt: skip
        launch = [sys.executable, "-m", "nplib.train"]
        if procs > 1:
            launch = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                      f"--nproc_per_node={procs}", "-m", "nplib.train"]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        subprocess.run([*launch, *flags], check=True, env=env, capture_output=True)
        log = json.loads(next(Path(out).glob("*.json")).read_text())
    stamps = [(r["step"], r["seconds"]) for r in log["train"]]
    pairs = zip(stamps[1:], stamps[2:], strict=False)
    rates = [(s1 - s0) * batch / (t1 - t0) for (s0, t0), (s1, t1) in pairs]
    return float(np.median(rates))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--threads", type=int, default=2, help="threads of the one-process CPU run")
    p.add_argument("--batch", type=int, default=32)
    a = p.parse_args()
    settings = [("classroom", 1, a.threads, "cpu", False), ("classroom", 2, 1, "cpu", False)]
    if torch.cuda.is_available():
        settings += [(c, 1, 1, "cuda", amp) for c in ("classroom", "paper") for amp in (0, 1)]
    else:
        print("no CUDA GPU here: the GPU rows (classroom and paper on cuda) are skipped")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__}; {a.steps} steps of global batch {a.batch}, L2 + adv")
    print("| config | device | processes x threads | autocast | samples/s (median) |")
    print("|---|---|---|---|---|")
    for config, procs, threads, device, amp in settings:
        rate = run(config, procs, threads, a.steps, a.batch, device, bool(amp))
        print(f"| {config} | {device} | {procs} x {threads} | {'bf16' if amp else 'fp32'} "
              f"| {rate:.1f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
