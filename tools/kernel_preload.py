"""What the build's kernels import before they are forked (``tools/warm_kernels.py``).

Importing this module is the work it does: it sets the kernels' environment, then
imports the modules that most chapters import in their first cells, so that a kernel
forked from the process that imported it finds them in ``sys.modules``. It is imported
once per build, in the fork server that multiprocessing starts, never in a kernel.

What may be imported here: modules whose import has no effect a chapter could see
other than being in ``sys.modules``. Never ``matplotlib_inline`` (the inline backend
hooks itself into the IPython shell when it is imported, and there is no shell here;
``matplotlib.pyplot`` picks its backend at the first figure, in the kernel), and
nothing that starts a thread (a fork copies only the forking thread; see
:func:`threads`).
"""

from __future__ import annotations

import os

#: The kernels' environment, as ``tools/execute.py`` gives it to every kernel; set here
#: before the imports read it (matplotlib reads MPLBACKEND, torch the thread counts).
from .config import KERNEL_ENV

os.environ.update(KERNEL_ENV)
# What ipykernel sets when a kernel starts (``IPKernelApp.init_pylab`` and after).
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

#: In the order a chapter's first cells import them; each costs 0.1-1.1 s per kernel.
MODULES = (
    "numpy",
    "torch",
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "dlbook",
    "dlbook.plotting",
    "sklearn.datasets",
)

for _name in MODULES:
    __import__(_name)

# The first optimiser step imports torch._dynamo (0.4-1.0 s), through this call.
import torch  # noqa: E402

torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.0).step()


def threads() -> int:
    """How many threads this process has (a fork server must have one)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: count Python's threads only
        import threading

        return threading.active_count()


#: Threads of the server once everything is imported (tests check that it is 1).
THREADS = threads()
