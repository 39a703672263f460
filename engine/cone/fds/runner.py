"""Run a cone scenario in a real FDS executable and read its devices back.

FDS is optional and not ours to ship: it is looked up (configured path, then the
TRINITY_FDS variable, then PATH) and every way the run can go wrong ends in one
sentence that says what to do next, not in a traceback from subprocess.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from engine.cone.fds.devc import read_fds_devc
from engine.cone.fds.writer import FuelSurrogate, write_fds_input
from engine.cone.result import ConeResult
from engine.cone.scenario import ConeScenario
from engine.jobs import Cancelled, CancelToken

FDS_ENV_VAR = "TRINITY_FDS"
INSTALL_HINT = (
    "install Fire Dynamics Simulator from https://pages.nist.gov/fds-smv/ and put `fds` on "
    f"PATH, or set {FDS_ENV_VAR} to the fds executable"
)
POLL_S = 0.1
"""How often a running FDS is checked for a cancel or its timeout."""
NOT_STARTED = 127
"""The guard's exit status when FDS itself could not be started (as a shell's)."""
_NOT_STARTED_PREFIX = "could not start: "

# FDS runs under this guard, a separate small Python process started in a session of its
# own, with FDS as its child. The guard ends FDS when its stdin reaches end of file:
# when the runner closes the pipe (cancel, timeout, an exception) and when the runner's
# process dies, however hard (SIGKILL, a crash), since the system then closes the pipe.
# Nothing inside the runner's process could do the latter. On POSIX the guard kills its
# whole process group, so an `fds` that is a wrapper script takes its children with it.
# It reads the raw descriptor and leaves by os._exit: a daemon thread blocked in
# sys.stdin's buffered reader aborts the interpreter's shutdown.
_GUARD = f"""
import os, signal, subprocess, sys, threading
try:
    fds = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
except OSError as exc:
    print({_NOT_STARTED_PREFIX!r} + str(exc.strerror or exc), flush=True)
    sys.exit({NOT_STARTED})
def stop_when_orphaned():
    while os.read(0, 4096):
        pass
    if hasattr(os, "killpg"):
        os.killpg(0, signal.SIGKILL)
    fds.kill()
    os._exit(1)
threading.Thread(target=stop_when_orphaned, daemon=True).start()
code = fds.wait()
os._exit(code if code >= 0 else 128 - code)
"""


class FdsNotFoundError(RuntimeError):
    """No FDS executable where Trinity looked; the message says how to provide one."""


class FdsRunError(RuntimeError):
    """FDS started but did not produce results; the message quotes it and names the log."""


def find_fds(configured: str | Path | None = None) -> Path | None:
    """The FDS executable: `configured`, else $TRINITY_FDS, else `fds` on PATH.

    An explicit setting that does not resolve gives None rather than falling back, so
    a mistyped path is reported instead of silently running some other FDS.
    """
    choice = configured if configured is not None else os.environ.get(FDS_ENV_VAR) or "fds"
    found = shutil.which(str(choice))
    return Path(found).resolve() if found else None


def run_fds(
    scenario: ConeScenario,
    *,
    workdir: str | Path,
    fds: str | Path | None = None,
    chid: str | None = None,
    timeout_s: float = 600.0,
    fuel: FuelSurrogate | None = None,
    cell_size_mm: float = 0.2,
    time_step_s: float = 0.05,
    cancel: CancelToken | None = None,
) -> ConeResult:
    """Write `CHID.fds` in `workdir`, run `fds CHID.fds` there, read `CHID_devc.csv`.

    FDS's screen output goes to `CHID.log` next to its own files. One OpenMP thread
    unless the caller set OMP_NUM_THREADS: a 1-D wall gains nothing from more, and
    batches run many of these side by side.

    FDS runs for minutes, so it never outlives its job: cancelling ``cancel`` stops it
    within `POLL_S` and raises `engine.jobs.Cancelled`; a timeout, an exception
    (Ctrl-C) or the death of this process, a SIGKILL included, stops it too (_GUARD).
    """
    executable = find_fds(fds)
    if executable is None:
        where = fds if fds is not None else os.environ.get(FDS_ENV_VAR)
        if where:
            raise FdsNotFoundError(f"FDS was not found at {where}; {INSTALL_HINT}.")
        raise FdsNotFoundError(f"FDS is not installed or not on PATH; {INSTALL_HINT}.")
    chid = chid or default_chid(scenario)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    text = write_fds_input(
        scenario, chid, fuel=fuel, cell_size_mm=cell_size_mm, time_step_s=time_step_s
    )
    (workdir / f"{chid}.fds").write_text(text, encoding="utf-8")
    log = workdir / f"{chid}.log"
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    with log.open("w", encoding="utf-8") as out:
        status = _run_guarded([str(executable), f"{chid}.fds"], workdir, out, env,
                              timeout_s, cancel or CancelToken())
    if status == "timeout":
        raise FdsRunError(f"FDS did not finish within {timeout_s:g} s and was stopped; see {log}.")
    if status == "cancelled":
        raise Cancelled(f"The FDS run was cancelled and stopped; its files are in {workdir}.")
    last = _last_line(log)
    if status == NOT_STARTED and last.startswith(_NOT_STARTED_PREFIX):
        reason = last.removeprefix(_NOT_STARTED_PREFIX)
        raise FdsRunError(f"FDS at {executable} could not start ({reason}).")
    devc = workdir / f"{chid}_devc.csv"
    if status != 0 or not devc.is_file():
        why = f"exit status {status}" if status else "no device file"
        raise FdsRunError(f"FDS failed ({why}): {last}; see {log}.")
    return read_fds_devc(devc, scenario)


def _run_guarded(command: list[str], workdir: Path, out, env: dict, timeout_s: float,
                 cancel: CancelToken) -> int | str:
    """Run ``command`` under _GUARD; its exit status, or "timeout" or "cancelled" once it
    has been stopped for that reason."""
    options: dict = {"start_new_session": True} if os.name == "posix" else {
        "creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    }
    try:
        guard = subprocess.Popen(
            [sys.executable, "-c", _GUARD, *command],
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            **options,
        )
    except OSError as exc:  # this Python could not start itself: no FDS run is possible
        raise FdsRunError(f"FDS could not be started ({exc.strerror}).") from None
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                return guard.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                pass
            if cancel.cancelled:
                return "cancelled"
            if time.monotonic() >= deadline:
                return "timeout"
    finally:
        _stop(guard)


def _stop(guard: subprocess.Popen) -> None:
    """End the guard and FDS (nothing to do if FDS ended): closing the guard's stdin is
    its signal to kill FDS; the group kill makes it immediate where there are groups."""
    with contextlib.suppress(OSError):
        guard.stdin.close()
    if guard.poll() is None and hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(guard.pid, signal.SIGKILL)
    try:
        guard.wait(timeout=10)
    except subprocess.TimeoutExpired:
        guard.kill()
        guard.wait()


def default_chid(scenario: ConeScenario) -> str:
    """'PMMA_50kW_6mm': readable, and a valid FDS CHID whatever the material is called."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", scenario.material.name).strip("_")[:30] or "sample"
    return f"{name}_{scenario.heat_flux_kw_m2:g}kW_{scenario.thickness_mm:g}mm".replace(".", "p")


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1].rstrip(".") if lines else "it printed nothing"
