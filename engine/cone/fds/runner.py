"""Run a cone scenario in a real FDS executable and read its devices back.

FDS is optional and not ours to ship: it is looked up (configured path, then the
TRINITY_FDS variable, then PATH) and every way the run can go wrong ends in one
sentence that says what to do next, not in a traceback from subprocess.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from engine.cone.fds.devc import read_fds_devc
from engine.cone.fds.writer import FuelSurrogate, write_fds_input
from engine.cone.result import ConeResult
from engine.cone.scenario import ConeScenario

FDS_ENV_VAR = "TRINITY_FDS"
INSTALL_HINT = (
    "install Fire Dynamics Simulator from https://pages.nist.gov/fds-smv/ and put `fds` on "
    f"PATH, or set {FDS_ENV_VAR} to the fds executable"
)


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
) -> ConeResult:
    """Write `CHID.fds` in `workdir`, run `fds CHID.fds` there, read `CHID_devc.csv`.

    FDS's screen output goes to `CHID.log` next to its own files. One OpenMP thread
    unless the caller set OMP_NUM_THREADS: a 1-D wall gains nothing from more, and
    batches run many of these side by side.
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
        try:
            done = subprocess.run(
                [str(executable), f"{chid}.fds"],
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise FdsRunError(
                f"FDS did not finish within {timeout_s:g} s and was stopped; see {log}."
            ) from None
        except OSError as exc:
            raise FdsRunError(f"FDS at {executable} could not start ({exc.strerror}).") from None
    devc = workdir / f"{chid}_devc.csv"
    if done.returncode != 0 or not devc.is_file():
        why = f"exit status {done.returncode}" if done.returncode else "no device file"
        raise FdsRunError(f"FDS failed ({why}): {_last_line(log)}; see {log}.")
    return read_fds_devc(devc, scenario)


def default_chid(scenario: ConeScenario) -> str:
    """'PMMA_50kW_6mm': readable, and a valid FDS CHID whatever the material is called."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", scenario.material.name).strip("_")[:30] or "sample"
    return f"{name}_{scenario.heat_flux_kw_m2:g}kW_{scenario.thickness_mm:g}mm".replace(".", "p")


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1].rstrip(".") if lines else "it printed nothing"
