"""The on-disk project: data sets, models, runs and job history, and the user's settings.

::

    WORKSPACE/                      default ~/Trinity, or $TRINITY_WORKSPACE
      datasets/     experimental CSVs the user brought in (copied, so a run can be redone)
      synthetic/    synthetic data-set folders (engine.synthetic)
      models/       trained model directories and ensembles (engine.training.model_dir)
      onnx/         exported or imported ONNX files
      runs/         evaluation reports
      designs/      design searches (engine.design), one folder each
      jobs/         history.json, one log per job (<id>.log) and how it ended (<id>.state.json)
      logs/         trinity.log: details of errors shown to the user as one sentence
      workspace.json  state of the project (the active model)

Settings live apart from the workspace, in a small user file (``settings.json`` in
$TRINITY_CONFIG_DIR, else $XDG_CONFIG_HOME/trinity, else ~/.config/trinity), because
one of them is where the workspace is, and because device, threads and the FDS path
belong to the machine while a workspace can be copied to another one.

Every JSON file is written through a temporary file and ``os.replace``, so a crash
leaves the old or the new file, never half of one. A file that cannot be read is set
aside under a new name (never deleted) and reported in one sentence.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

HISTORY_FORMAT = 1
DEVICES = ("auto", "cuda", "cpu")
JOB_STATES = ("queued", "running", "finished", "failed", "cancelled", "interrupted")
#: The states a job saves when it ends (`JobOutcome`).
JOB_OUTCOMES = ("finished", "failed", "cancelled")
#: The history keeps this many most recent jobs; older records (not their logs) drop off.
HISTORY_LIMIT = 500
_SCHEDULER = re.compile(r"^[a-z]+://[^\s:/]+(:\d+)?/?$")


class WorkspaceError(ValueError):
    """A workspace or settings file that cannot be used, with what to do about it."""


# Atomic JSON ---------------------------------------------------------------------------


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WorkspaceError(f"Could not save {path}: {exc.strerror or exc}.") from None


def read_json_file(path: Path, what: str) -> object | None:
    """The JSON in ``path`` (None if absent); a damaged file is set aside and reported."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WorkspaceError(f"Could not read the {what} {path}: {exc.strerror or exc}.") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        kept = path.with_name(f"{path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
        os.replace(path, kept)
        raise WorkspaceError(
            f"The {what} {path} was damaged (not valid JSON); it was kept as {kept.name} "
            "and a new one was started."
        ) from None


# Settings ------------------------------------------------------------------------------


def default_workspace() -> Path:
    """$TRINITY_WORKSPACE, else ~/Trinity."""
    return Path(os.environ.get("TRINITY_WORKSPACE") or Path.home() / "Trinity").expanduser()


def settings_path() -> Path:
    """Where the user's settings file lives (see the module docstring)."""
    if folder := os.environ.get("TRINITY_CONFIG_DIR"):
        return Path(folder).expanduser() / "settings.json"
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base).expanduser() / "trinity" / "settings.json"


@dataclass(frozen=True)
class Settings:
    """What the user chose in the settings dialog.

    ``threads`` 0 leaves the thread count to torch and numba; ``fds_executable`` empty
    means $TRINITY_FDS, then ``fds`` on PATH; ``dask_scheduler`` empty runs synthetic
    data generation on this machine.
    """

    device: str = "auto"
    threads: int = 0
    workspace: Path = field(default_factory=default_workspace)
    fds_executable: str = ""
    dask_scheduler: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "workspace", Path(self.workspace).expanduser())
        if self.device not in DEVICES:
            raise WorkspaceError(
                f"Unknown device {self.device!r}; choose one of {', '.join(DEVICES)}."
            )
        if not (isinstance(self.threads, int) and 0 <= self.threads <= 1024):
            raise WorkspaceError(
                f"Threads must be a whole number from 0 (automatic) to 1024, not {self.threads!r}."
            )
        if self.dask_scheduler and not _SCHEDULER.match(self.dask_scheduler):
            raise WorkspaceError(
                f"The Dask scheduler address {self.dask_scheduler!r} is not of the form "
                "tcp://host:8786."
            )

    def to_json(self) -> dict:
        return {**asdict(self), "workspace": str(self.workspace)}

    @classmethod
    def from_json(cls, data: object) -> Settings:
        """Settings from a saved dict; keys it lacks take their defaults, unknown ones drop."""
        if not isinstance(data, dict):
            raise WorkspaceError("The settings file does not hold a JSON object.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults when there are none yet."""
    path = path or settings_path()
    data = read_json_file(path, "settings file")
    return Settings() if data is None else Settings.from_json(data)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    write_json_atomic(path or settings_path(), settings.to_json())


# Job history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRecord:
    """One job as the history keeps it: times are seconds since the epoch (0 = not yet)."""

    id: str
    title: str
    kind: str
    state: str
    created: float
    started: float = 0.0
    ended: float = 0.0
    message: str = ""
    log_file: str = ""

    @property
    def elapsed_s(self) -> float:
        return max(0.0, self.ended - self.started) if self.started and self.ended else 0.0


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended, saved by whatever ran it the moment it ended (``jobs/<id>.state.json``).

    The history is written by the window; a job that runs in a process of its own can
    outlive a window that crashed or was killed, finish or be cancelled there, and only
    this file then knows. `Workspace.load_history` reads it for a job the history still
    calls running or queued.
    """

    state: str
    ended: float
    message: str = ""

    def __post_init__(self) -> None:
        if self.state not in JOB_OUTCOMES:
            raise WorkspaceError(
                f"A job's outcome is finished, failed or cancelled, not {self.state!r}."
            )


def save_job_outcome(path: Path, outcome: JobOutcome) -> None:
    """Write ``outcome`` to ``path`` atomically (a reader sees all of it or nothing)."""
    write_json_atomic(path, asdict(outcome))


def read_job_outcome(path: Path) -> JobOutcome | None:
    """The outcome saved in ``path``; None when there is none or it cannot be trusted
    (damaged files are set aside by `read_json_file`): the job is then interrupted."""
    try:
        data = read_json_file(path, "job outcome")
        if not isinstance(data, dict):
            return None
        return JobOutcome(str(data.get("state")), float(data.get("ended", 0.0)),
                          str(data.get("message", "")))
    except (WorkspaceError, TypeError, ValueError):
        return None


# Models --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelEntry:
    """A model the workspace holds: a trained directory or an ONNX file, with its numbers.

    ``problem`` says in one sentence why the model cannot be used (empty when it can).
    """

    name: str
    path: Path
    kind: str  # "trained" or "onnx"
    phase: str = ""
    complete: bool = True
    metrics: dict = field(default_factory=dict)
    problem: str = ""


def _read_model_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def summarise_metrics(members: list[dict | None]) -> tuple[bool, dict]:
    """(complete, numbers) of a model from its members' metrics.json contents.

    One member: its best validation loss, best epoch (from 1), epochs run and training
    rows. Several: how many, and the mean of their best validation losses.
    """
    found = [m for m in members if isinstance(m, dict)]
    complete = bool(members) and len(found) == len(members)
    complete = complete and all(m.get("complete") for m in found)
    losses = [m["best_val_loss"] for m in found if m.get("best_val_loss") is not None]
    if len(members) == 1 and found:
        m = found[0]
        numbers = {
            "best_val_loss": m.get("best_val_loss"),
            "best_epoch": m["best_epoch"] + 1 if "best_epoch" in m else None,
            "epochs": len(m.get("epochs", [])),
            "train_rows": m.get("train_rows"),
        }
    else:
        numbers = {"members": len(members),
                   "best_val_loss": sum(losses) / len(losses) if losses else None}
    return complete, {k: v for k, v in numbers.items() if v is not None}


def trained_model_entry(folder: Path) -> ModelEntry | None:
    """The entry of a model directory or ensemble folder; None if it is neither."""
    ensemble = _read_model_json(folder / "ensemble.json")
    if ensemble:
        members = [folder / name for name in ensemble.get("members", [])]
        phase = str(ensemble.get("phase", ""))
    elif (folder / "training_config.json").is_file():
        members = [folder]
        phase = str(_read_model_json(folder / "training_config.json").get("phase", ""))
    else:
        return None
    complete, metrics = summarise_metrics(
        [_read_model_json(m / "metrics.json") or None for m in members]
    )
    problem = "" if complete else "Training has not finished; rerun it to resume."
    return ModelEntry(folder.name, folder, "trained", phase, complete, metrics, problem)


def onnx_model_entry(path: Path) -> ModelEntry:
    """The entry of an ONNX file, from the training records in its own metadata.

    Reading them opens the file, so entries are kept until the file changes.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        return ModelEntry(path.stem, path, "onnx", problem=f"It cannot be read: {exc.strerror}.")
    return _onnx_model_entry(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _onnx_model_entry(path: Path, _mtime_ns: int, _size: int) -> ModelEntry:
    try:
        from engine.predictor import read_model_info

        info = read_model_info(path)
    except Exception as exc:  # any unreadable file is listed with the reason, not raised
        return ModelEntry(path.stem, path, "onnx", problem=f"It cannot be loaded: {exc}")
    phases = {str(c.get("phase", "")) for c in info.training.values() if isinstance(c, dict)}
    _, metrics = summarise_metrics(list(info.metrics.values()))
    metrics["members"] = info.members
    return ModelEntry(info.name or path.stem, path, "onnx", "/".join(sorted(phases)), True,
                      metrics)


# The workspace -------------------------------------------------------------------------


class Workspace:
    """One project folder; creates its sub-folders when opened."""

    FOLDERS = ("datasets", "synthetic", "models", "onnx", "runs", "jobs", "logs")

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        try:
            for name in self.FOLDERS:
                (self.root / name).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"The workspace folder {self.root} cannot be created or written "
                f"({exc.strerror or exc}); choose another one in Settings."
            ) from None

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @property
    def datasets_dir(self) -> Path:
        return self.root / "datasets"

    @property
    def synthetic_dir(self) -> Path:
        return self.root / "synthetic"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def onnx_dir(self) -> Path:
        return self.root / "onnx"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def designs_dir(self) -> Path:
        return self.root / "designs"

    @property
    def history_path(self) -> Path:
        return self.root / "jobs" / "history.json"

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "trinity.log"

    def job_log(self, job_id: str) -> Path:
        return self.root / "jobs" / f"{job_id}.log"

    def job_state_path(self, job_id: str) -> Path:
        """Where a job saves its `JobOutcome` when it ends."""
        return self.root / "jobs" / f"{job_id}.state.json"

    def save_job_outcome(self, job_id: str, outcome: JobOutcome) -> None:
        save_job_outcome(self.job_state_path(job_id), outcome)

    def job_outcome(self, job_id: str) -> JobOutcome | None:
        return read_job_outcome(self.job_state_path(job_id))

    def new_path(self, folder: Path, stem: str, suffix: str = "") -> Path:
        """A name in ``folder`` that does not exist yet: ``stem``, then ``stem-2``, …"""
        stem = re.sub(r"[^\w.+-]+", "-", stem).strip("-") or "item"
        candidate, n = folder / f"{stem}{suffix}", 2
        while candidate.exists():
            candidate, n = folder / f"{stem}-{n}{suffix}", n + 1
        return candidate

    # Data sets -----------------------------------------------------------------------

    def datasets(self) -> list[Path]:
        """Experimental CSVs brought into the workspace, by name."""
        return sorted(self.datasets_dir.glob("*.csv"))

    def synthetic_sets(self) -> list[Path]:
        """Synthetic data-set folders (those with a manifest), by name."""
        return sorted(p.parent for p in self.synthetic_dir.glob("*/manifest.json"))

    def import_file(self, source: str | Path, folder: Path) -> Path:
        """Copy a file into ``folder`` under a free name; the copy's path."""
        source = Path(source)
        if not source.is_file():
            raise WorkspaceError(f"The file {source} does not exist.")
        target = self.new_path(folder, source.stem, source.suffix.lower())
        try:
            shutil.copy2(source, target)
        except OSError as exc:
            raise WorkspaceError(f"Could not copy {source}: {exc.strerror or exc}.") from None
        return target

    def import_dataset(self, csv: str | Path) -> Path:
        return self.import_file(csv, self.datasets_dir)

    def import_onnx(self, path: str | Path) -> Path:
        """Copy an ONNX file into the workspace (a file already inside stays where it is)."""
        path = Path(path)
        if path.suffix.lower() != ".onnx":
            raise WorkspaceError(f"{path.name} is not an ONNX file (.onnx).")
        if path.resolve().parent == self.onnx_dir:
            return path.resolve()
        return self.import_file(path, self.onnx_dir)

    # Models --------------------------------------------------------------------------

    def trained_models(self) -> list[ModelEntry]:
        """Model directories and ensembles under models/, by name."""
        found = (trained_model_entry(p) for p in sorted(self.models_dir.iterdir()) if p.is_dir())
        return [entry for entry in found if entry is not None]

    def onnx_models(self) -> list[ModelEntry]:
        """ONNX files under onnx/, by name, each with its metrics or why it cannot load."""
        return [onnx_model_entry(p) for p in sorted(self.onnx_dir.glob("*.onnx"))]

    @property
    def active_model(self) -> Path | None:
        """The ONNX file predictions use; None means the shipped default."""
        state = self._state()
        path = state.get("active_model")
        return Path(path) if path else None

    @active_model.setter
    def active_model(self, path: Path | None) -> None:
        write_json_atomic(
            self.root / "workspace.json",
            {**self._state(), "active_model": str(path) if path else None},
        )

    def _state(self) -> dict:
        data = read_json_file(self.root / "workspace.json", "workspace state")
        return data if isinstance(data, dict) else {}

    # Job history ---------------------------------------------------------------------

    def load_history(self) -> list[JobRecord]:
        """Past jobs, oldest first.

        A job the history still calls running or queued (Trinity stopped, or crashed,
        before it could write the end) takes the outcome the job saved itself
        (`JobOutcome`): a job in its own process may well have finished or been cancelled
        cleanly after the window died. Without one it is reported as interrupted: its
        engine function resumes when it is queued again.
        """
        data = read_json_file(self.history_path, "job history")
        if data is None:
            return []
        if not isinstance(data, dict) or data.get("format_version") != HISTORY_FORMAT:
            raise WorkspaceError(
                f"The job history {self.history_path} is not one this version of Trinity "
                "writes; move it away to start a new history."
            )
        known = {f.name for f in fields(JobRecord)}
        records = []
        for item in data.get("jobs", []):
            record = JobRecord(**{k: v for k, v in item.items() if k in known})
            if record.state in ("queued", "running"):
                record = self._resolve(record)
            records.append(record)
        return records

    def _resolve(self, record: JobRecord) -> JobRecord:
        """A record left running or queued, ended as its saved outcome says."""
        outcome = self.job_outcome(record.id)
        if outcome is not None:
            return replace(record, state=outcome.state, ended=outcome.ended,
                           message=outcome.message)
        if record.state == "queued":
            message = "Trinity stopped before it started; queue it again."
        else:
            message = "Trinity stopped while this job ran; queue it again to resume."
        return replace(record, state="interrupted", message=message)

    def save_history(self, records: list[JobRecord]) -> None:
        write_json_atomic(
            self.history_path,
            {"format_version": HISTORY_FORMAT,
             "jobs": [asdict(r) for r in records[-HISTORY_LIMIT:]]},
        )

    def log_error(self, sentence: str, details: str = "") -> None:
        """Append an error and its details (a traceback) to logs/trinity.log."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self.error_log.open("a", encoding="utf-8") as log:
            log.write(f"{stamp} {sentence}\n")
            if details:
                log.write(details.rstrip() + "\n")
