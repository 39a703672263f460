"""One way to find shipped data files, wherever Trinity runs from.

Order: the ``TRINITY_RESOURCES`` environment variable (a user's own copy), a
PyInstaller bundle (``sys._MEIPASS/resources``), the installed package
``trinity_resources`` (wheel or editable install), then ``resources/`` beside
``engine/`` in a source checkout.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import cache
from pathlib import Path


class ResourceError(FileNotFoundError):
    """A shipped data file is missing: the installation is incomplete."""


@cache
def resources_root() -> Path:
    """The folder that holds Trinity's shipped data files."""
    candidates: list[Path] = []
    if env := os.environ.get("TRINITY_RESOURCES"):
        candidates.append(Path(env))
    if bundle := getattr(sys, "_MEIPASS", None):
        candidates.append(Path(bundle) / "resources")
    spec = importlib.util.find_spec("trinity_resources")
    if spec is not None and spec.submodule_search_locations:
        candidates.extend(Path(p) for p in spec.submodule_search_locations)
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for path in candidates:
        if (path / "gc").is_dir():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise ResourceError(
        f"Trinity's data files were not found (looked in {tried}); reinstall Trinity "
        "or set TRINITY_RESOURCES to the folder that holds them."
    )


def resource_path(*parts: str) -> Path:
    """Path of a shipped file, e.g. ``resource_path("gc", "groups.csv")``."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise ResourceError(
            f"The shipped file {'/'.join(parts)} is missing from {resources_root()}; "
            "reinstall Trinity."
        )
    return path
