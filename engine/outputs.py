"""Writing results without losing files.

Two rules, for every file a command or the window writes:

- **Never over an input.** An output that is an input, the model, or another output of
  the same run is refused in one sentence before any work (`check_outputs`), as is one
  whose folder is missing or read-only: finding that out after two minutes of
  predicting, or after the input has been overwritten, costs the user their data.
- **Whole or not at all.** A file is written beside its target under a temporary name
  and renamed over it (`write_atomic`): a crash or a full disk leaves the old file, never
  half of a new one.

``-`` as an output means standard output (`STDOUT`), as Unix tools do.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

#: The name that stands for standard output.
STDOUT = "-"


class OutputError(ValueError):
    """An output that would destroy a file or cannot be written; one sentence."""


def is_stdout(path: str | Path | None) -> bool:
    return path is not None and str(path) == STDOUT


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    inputs: Mapping[str, str | Path | None] | None = None,
) -> None:
    """Refuse, before any work, outputs that would overwrite an input or each other, or
    that cannot be written. Keys name each file as the user gave it (``--output``)."""
    inputs = {k: Path(v) for k, v in (inputs or {}).items() if v is not None and not is_stdout(v)}
    given = {k: v for k, v in outputs.items() if v is not None}
    to_stdout = [k for k, v in given.items() if is_stdout(v)]
    if len(to_stdout) > 1:
        raise OutputError(
            f"{' and '.join(to_stdout)} both write to standard output (-); send one to a file."
        )
    files = {k: Path(v) for k, v in given.items() if not is_stdout(v)}
    for name, path in files.items():
        for other, source in inputs.items():
            if _same_file(path, source):
                raise OutputError(
                    f"{name} {path} is the {other} file; writing it would destroy the "
                    f"{other}, so choose another name."
                )
    for (name, path), (other, target) in itertools.combinations(files.items(), 2):
        if _same_file(path, target):
            raise OutputError(
                f"{name} and {other} are the same file ({path}); give each its own name."
            )
    for name, path in files.items():
        _check_writable(name, path)


def _same_file(a: Path, b: Path) -> bool:
    """The same file by identity (links included) when both exist, else by path."""
    with contextlib.suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _check_writable(name: str, path: Path) -> None:
    if path.is_dir():
        raise OutputError(f"{name} {path} is a folder; give the name of a file to write.")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise OutputError(
            f"The folder {folder} for {name} does not exist; create it or choose another place."
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"The folder {folder} for {name} cannot be written to.")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{name} {path} exists and cannot be overwritten (it is read-only).")


def check_output_folder(
    name: str, folder: str | Path, inputs: Mapping[str, str | Path | None] | None = None
) -> None:
    """For commands that write a folder (generate, train, evaluate): the folder is not an
    input, does not hold one, is not a file, and its parent exists."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{name} {folder} is a file, not a folder; give a folder name.")
    for other, source in (inputs or {}).items():
        if source is None or str(source) == "shipped":
            continue
        source = Path(source).resolve()
        target = folder.resolve()
        if source == target or target in source.parents:
            raise OutputError(
                f"{name} {folder} holds the {other} {source}; writing there would mix the "
                "results into it, so choose another folder."
            )
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise OutputError(
            f"The folder {parent} for {name} does not exist; create it or choose another place."
        )


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` to a temporary file in ``path``'s folder, then rename it over
    ``path``; on any failure the temporary file goes and ``path`` is untouched."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.",
                                   suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp)
    try:
        write(tmp)
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    """UTF-8 text to ``path`` atomically, or to standard output for ``-``."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes(path: str | Path, data: bytes) -> None:
    if is_stdout(path):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic(path, lambda tmp: tmp.write_bytes(data))


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and \
                frame[column].astype(str).str.contains("\r", regex=False).any():
            return True
    return any("\r" in str(c) for c in frame.columns)


def write_csv(frame: pd.DataFrame, path: str | Path, **options) -> None:
    """A table as CSV (``index=False``) atomically, or to standard output for ``-``."""
    options.setdefault("index", False)
    if _has_carriage_return(frame):
        # The csv module quotes a cell holding a line-end character; with "\n" lines a
        # bare "\r" is not one, and Excel or pandas would split the row there.
        options.setdefault("lineterminator", "\r\n")
    if is_stdout(path):
        frame.to_csv(sys.stdout, **options)
        sys.stdout.flush()
        return
    write_atomic(path, lambda tmp: frame.to_csv(tmp, **options))
