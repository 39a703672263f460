"""Which optional part of Trinity a missing module belongs to, in one sentence.

`pip install trinity-fire` predicts out of the box; training, the window, scale-out and
parity plots are extras. A command that reaches for a missing extra should say which one
to install, not print "No module named 'torch'".
"""

from __future__ import annotations

#: Top-level module → (the extra that brings it, what it is for).
EXTRAS: dict[str, tuple[str, str]] = {
    "torch": ("ml", "training and exporting models"),
    "transformers": ("ml", "training and exporting models"),
    "safetensors": ("ml", "training and exporting models"),
    "onnx": ("ml", "exporting and calibrating model files"),
    "PySide6": ("gui", "the desktop window"),
    "shiboken6": ("gui", "the desktop window"),
    "pyqtgraph": ("gui", "the desktop window"),
    "dask": ("scale", "running on a Dask cluster"),
    "distributed": ("scale", "running on a Dask cluster"),
    "matplotlib": ("report", "parity plots"),
}

#: Said after the ml extra: the unpinned torch wheel is the 3 GB CUDA build.
CPU_TORCH = ("; on a machine without an NVIDIA GPU install the CPU build of PyTorch first "
             "(pip install torch --index-url https://download.pytorch.org/whl/cpu)")


def missing_extra(error: ModuleNotFoundError) -> str | None:
    """The sentence for ``error`` when its module belongs to an extra, else None."""
    root = (error.name or "").split(".")[0]
    if root not in EXTRAS:
        return None
    extra, purpose = EXTRAS[root]
    return (f"{purpose[0].upper()}{purpose[1:]} needs the {root} package, which is not "
            f"installed: pip install 'trinity-fire[{extra}]'"
            f"{CPU_TORCH if extra == 'ml' else ''}.")
