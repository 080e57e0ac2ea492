"""Kernels that start with torch, matplotlib and IPython already imported.

Every chapter runs in a fresh kernel, and each fresh kernel used to spend 1.5-2.5 s of
CPU importing the same modules (``import torch`` alone is 1.1 s) before its first
cell's own work: a quarter of a cold build. Here the imports are done once, in a fork
server (multiprocessing's ``forkserver`` with ``tools/kernel_preload.py`` preloaded),
and each kernel is a fork of it: a new process with its own memory, environment,
working directory and session, in which ``import torch`` finds the module already
loaded. Nothing else carries over: the kernel's shell, its variables, random states
and matplotlib figures are made in the kernel, as in a kernel that ``jupyter`` starts
(``tests/tools/test_tools_warm_kernels.py`` compares the two).

:class:`WarmKernelManager` is a jupyter_client kernel manager that launches its kernel
this way; nbclient takes it as ``kernel_manager_class``. A kernel spec whose command
is not ``python -m ipykernel_launcher`` is launched the ordinary way.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from typing import Any

from jupyter_client.manager import AsyncKernelManager

PRELOAD = "tools.kernel_preload"
_CONTEXT: Any = None
#: sys.path of a kernel that jupyter starts (``python -m ipykernel_launcher``): that of a
#: fresh interpreter in the same environment, without the first entry, which the
#: launcher removes. Found once per build by asking one.
_KERNEL_PATH: list[str] = []


def context() -> Any:
    """The fork-server context, its server started (the preload runs in the background)."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([PRELOAD])
        from multiprocessing import forkserver

        forkserver.ensure_running()
        _KERNEL_PATH[:] = json.loads(
            subprocess.run(
                [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        _CONTEXT = ctx
    return _CONTEXT


def stop() -> None:
    """Stop the fork server once its kernels have ended (its CPU time then counts as the
    build's, in ``resource.getrusage(RUSAGE_CHILDREN)``)."""
    global _CONTEXT
    if _CONTEXT is None:
        return
    from multiprocessing import forkserver

    stop_server = getattr(forkserver._forkserver, "_stop", None)  # CPython 3.8 and later
    if stop_server is not None:
        stop_server()
    _CONTEXT = None


def _run_kernel(argv: list[str], env: dict[str, str], cwd: str, path: list[str]) -> None:
    """The kernel process (forked from the server): what ``python -m ipykernel_launcher`` does."""
    os.setsid()  # its own process group, as jupyter_client starts kernels
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    # The kernel's parent is the server, which exits with the build: the kernel's
    # parent poller then shuts it down (jupyter_client names its own pid here). The
    # option, because IPKernelApp read the variable when the server imported it.
    os.environ["JPY_PARENT_PID"] = str(os.getppid())
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sys.path[:] = path
    launcher = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [launcher.origin if launcher and launcher.origin else "", *argv]
    # A fresh interpreter seeds torch's and NumPy's global generators from the
    # operating system, differently in every process; forks would share the server's.
    # (Python's `random` reseeds itself after a fork.)
    if "torch" in sys.modules:
        sys.modules["torch"].seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=[*argv, f"--IPKernelApp.parent_handle={os.getppid()}"])


class _Process:
    """The forked kernel as jupyter_client's LocalProvisioner expects a Popen object."""

    stdin = stdout = stderr = None

    def __init__(self, process: Any) -> None:
        self._process = process
        self.pid: int = process.pid

    def poll(self) -> int | None:
        return self._process.exitcode  # type: ignore[no-any-return]

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(["kernel"], timeout or 0)
        return self._process.exitcode  # type: ignore[no-any-return]

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _ipykernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``python -m ipykernel_launcher``, or None for another command."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
        try:
            same = os.path.samefile(cmd[0], sys.executable)
        except OSError:
            same = False
        if same:
            return cmd[3:]
    return None


class WarmKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """An nbclient kernel manager whose kernels are forks of the preloaded server."""

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        arguments = _ipykernel_arguments(kernel_cmd)
        if arguments is None:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner = self.provisioner
        assert provisioner is not None
        env = dict(kw.get("env") or os.environ)
        cwd = str(kw.get("cwd") or os.getcwd())
        process = context().Process(
            target=_run_kernel, args=(arguments, env, cwd, _KERNEL_PATH), name="dlbook-kernel"
        )
        process.start()
        handle = _Process(process)
        provisioner.process = handle
        provisioner.pid = handle.pid
        provisioner.pgid = handle.pid  # the kernel calls setsid() first
        provisioner.cwd = cwd
        self._reconcile_connection_info(provisioner.connection_info)
