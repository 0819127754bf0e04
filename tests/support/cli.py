"""Run a `reconciler` command as a test sees it: in this process against the in-process emulator
(click's CliRunner through the CLI's transport seam), or the installed command against a socket one.

Both return a ``subprocess.CompletedProcess`` (``returncode``, ``stdout``, ``stderr``). In-process,
each run starts as a fresh process would: no sensitive value known, its own environment (exactly
``env``), working directory, root logging and signal handlers, all put back afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.cli.common import Seams
from reconciler.secrets import redactor
from tests.support.emulator import EmulatorControls, reconciler_command

EMULATOR_LOGGER = "reconciler.emulator"  # the server's own log is not the CLI's stderr
#: a test run twice: in this process, and end to end (the installed CLI against the socket emulator)
BOTH_WAYS = pytest.mark.parametrize("emulator", ["in-process", pytest.param("installed", marks=pytest.mark.e2e)],
                                    indirect=True)


def run_command(emulator: EmulatorControls | None, args: Sequence[str], *, cwd: Path | None = None,
                env: Mapping[str, str], stdin: str = "", timeout: float = 120,
                installed: bool | None = None) -> subprocess.CompletedProcess[str]:
    """``reconciler *args`` with exactly ``env`` and ``stdin`` (not a terminal), from ``cwd``.

    The installed command when ``installed`` (by default: when the emulator is a socket one), else
    in this process through the emulator's transport (no emulator: a command that needs no API).
    """
    transport = emulator.transport if emulator is not None else None
    if installed if installed is not None else (emulator is not None and transport is None):
        return subprocess.run([*reconciler_command(), *args], cwd=cwd, env=dict(env), input=stdin,
                              capture_output=True, text=True, timeout=timeout)
    with _fresh_process(cwd or Path.cwd()):
        result = CliRunner().invoke(main, list(args), obj=Seams(transport=transport), input=stdin,
                                    env=_exactly(env), prog_name="reconciler", terminal_width=80)
    return subprocess.CompletedProcess(["reconciler", *args], result.exit_code, result.stdout,
                                       result.stderr + _traceback(result))


def _exactly(env: Mapping[str, str]) -> dict[str, str | None]:
    """CliRunner's ``env`` sets and unsets: everything else this process has is unset."""
    return {**{name: None for name in os.environ if name not in env}, **env}


def _traceback(result: Result) -> str:
    """An exception that escaped the command, printed as the interpreter would print it."""
    if result.exception is None or isinstance(result.exception, SystemExit):
        return ""
    return "".join(traceback.format_exception(*result.exc_info))


@contextlib.contextmanager
def _fresh_process(cwd: Path) -> Iterator[None]:
    known = set(redactor._forms)  # noqa: SLF001 - the test's own values come back afterwards
    redactor.clear()
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    root = logging.getLogger()
    root_handlers, root_level = root.handlers[:], root.level
    server_log = logging.getLogger(EMULATOR_LOGGER)
    quiet = logging.NullHandler()
    root.handlers = []  # `-v` configures logging as in a new process (pytest's capture handlers set it aside)
    server_log.propagate = False
    server_log.addHandler(quiet)
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(previous)
        server_log.removeHandler(quiet)
        server_log.propagate = True
        root.handlers, root.level = root_handlers, root_level
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        redactor.clear()
        redactor._forms.update(known)  # noqa: SLF001
