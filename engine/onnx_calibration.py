"""Attach an interval calibration (`engine.calibration.Calibration`) to a Trinity ONNX file.

The calibration goes into the file's metadata under ``trinity.calibration``, beside
what the exporter wrote; the graph is not touched. Needs the onnx package (Trinity's
``ml`` extra), as exporting does.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.calibration import Calibration
from engine.onnx_format import CALIBRATION, FORMAT_KEY, KEY_PREFIX
from engine.outputs import write_bytes


class CalibrationFileError(ValueError):
    """A file that cannot take a calibration; one sentence says why."""


def attach_calibration(model_path: str | Path, out_path: str | Path,
                       calibration: Calibration) -> Path:
    """Write ``model_path`` with ``calibration`` in its metadata to ``out_path``
    (atomically; ``out_path`` may be ``model_path``). A calibration already there is
    replaced."""
    try:
        import onnx
    except ImportError:
        raise CalibrationFileError(
            "Calibrating a model file needs the onnx package; install it with Trinity's ml "
            "extra (pip install 'trinity-fire[ml]')."
        ) from None
    model_path, out_path = Path(model_path), Path(out_path)
    try:
        model = onnx.load(str(model_path))
    except Exception as error:  # onnx raises protobuf and OS errors alike
        raise CalibrationFileError(
            f"{model_path} is not a readable ONNX file ({type(error).__name__})."
        ) from None
    keys = [entry.key for entry in model.metadata_props]
    if FORMAT_KEY not in keys:
        raise CalibrationFileError(
            f"{model_path} is not a Trinity model (no {FORMAT_KEY} metadata); export one "
            "with `trinity export MODEL_DIR --out MODEL.onnx`."
        )
    kept = [e for e in model.metadata_props if e.key != KEY_PREFIX + CALIBRATION]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    entry = model.metadata_props.add()
    entry.key = KEY_PREFIX + CALIBRATION
    entry.value = json.dumps(calibration.to_json(), allow_nan=False)
    write_bytes(out_path, model.SerializeToString())
    return out_path
