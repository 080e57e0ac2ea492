"""Time one training step of the NumPy engine (dlbook.scratch) and of PyTorch on the CPU.

The network is the 784-256-256-10 ReLU MLP of the book, the batch has 64
random inputs and labels, the loss is cross-entropy and the step is plain SGD:
forward, loss, backward, update. Both run in this one process, on the same
data and the same starting weights, and the script prints the median time of
a step for each (after warm-up steps).

Both libraries get the same number of CPU threads (``--threads``, default 1:
on a shared machine one thread gives the steadiest numbers); NumPy's BLAS is
limited with threadpoolctl, which scikit-learn already installs.

Usage: ``python tools/bench_engine.py [--repeats 50] [--threads N]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn

from dlbook import scratch


def time_steps(step, repeats: int, warmup: int = 5) -> float:
    """Median wall time of ``step()`` in milliseconds."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        run(args.repeats)


def run(repeats: int) -> None:
    """Build both networks on the same data and print the step times."""
    sizes, batch, lr = [784, 256, 256, 10], 64, 0.01
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)

    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    engine = scratch.mlp(sizes, seed=0).load_torch(net)
    for p in engine.parameters():  # float32 like PyTorch, for a fair comparison
        p.data, p.grad = p.data.astype(np.float32), p.grad.astype(np.float32)
    loss_fn, opt = scratch.CrossEntropyLoss(), scratch.SGD(engine.parameters(), lr=lr)
    opt_t = torch.optim.SGD(net.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def engine_step() -> None:
        loss_fn(engine(X), y)
        opt.zero_grad()
        engine.backward(loss_fn.backward())
        opt.step()

    def torch_step() -> None:
        loss = nn.functional.cross_entropy(net(Xt), yt)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()

    ms_engine = time_steps(engine_step, repeats)
    ms_torch = time_steps(torch_step, repeats)
    print(
        f"CPU: {platform.processor() or platform.machine()}, torch threads: "
        f"{torch.get_num_threads()} (NumPy BLAS limited to the same), "
        f"numpy {np.__version__}, torch {torch.__version__}"
    )
    print(f"784-256-256-10 MLP, batch 64, one SGD step (median of {repeats}):")
    print(f"  dlbook.scratch (NumPy): {ms_engine:.3f} ms")
    print(f"  PyTorch (CPU):          {ms_torch:.3f} ms")
    print(f"  ratio engine / torch:   {ms_engine / ms_torch:.2f}")


if __name__ == "__main__":
    main()
