"""Fast local predictions from an exported Trinity ONNX file, without torch.

`OnnxPredictor` opens a file written by `engine.onnx_export` with onnxruntime (CUDA when
available, else the CPU), reads what it needs from the file's metadata, and turns
repeat-unit SMILES and test conditions into a `Prediction`: t_ig, pHRR, THR and the HRR
curve, each as the ensemble's mean and spread. SMILES are validated and canonicalised
by `engine.polymer.parse_polymer` and split by `engine.smiles_tokens`, as in training.

This module imports neither torch nor transformers, so a desktop install that only
predicts stays small and starts fast.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.onnx_format import (
    CURVE,
    FORMAT_KEY,
    INPUTS,
    KEY_PREFIX,
    ONNX_FORMAT_VERSION,
    OUTPUTS,
)
from engine.polymer import PolymerError, parse_polymer
from engine.smiles_tokens import split_smiles

#: Tests per onnxruntime call; batches are filled with SMILES of similar length.
BATCH_SIZE = 32
#: Threads beyond this rarely pay for a model of the small size, and leave a desktop
#: machine sluggish.
MAX_DEFAULT_THREADS = 4
_EXPORT_HINT = "export one with `trinity export MODEL_DIR --out MODEL.onnx`"
_REQUIRED_METADATA = (
    "name", "created", "trinity_version", "opset", "members", "time_grid_s", "units",
    "tokenizer", "training", "metrics", "provenance",
)


class PredictorError(ValueError):
    """A model file or an input that cannot be used; one sentence says what to do."""


@dataclass(frozen=True, eq=False)
class ModelInfo:
    """What an ONNX file says about its model: origin, members, grid, training records.

    ``training``, ``metrics`` and ``provenance`` map each member (a model directory's
    name, or ``seed-N`` in an ensemble) to its training_config.json, metrics.json and
    provenance.json. ``recipe`` and ``evaluation`` (a model built by `trinity recipe`):
    how it was made and its leave-one-polymer-out scores.
    """

    name: str
    path: Path
    format_version: int
    members: int
    trinity_version: str
    created: str
    opset: int
    time_grid_s: np.ndarray
    units: dict
    training: dict
    metrics: dict
    provenance: dict
    recipe: dict | None = None
    evaluation: dict | None = None


@dataclass(frozen=True, eq=False)
class Prediction:
    """Ensemble mean and spread (population std over members) per test.

    Scalars have shape ``(n,)``, curves ``(n, points)`` on ``time_s``. ``smiles`` are
    the canonical SMILES the model read.
    """

    smiles: tuple[str, ...]
    heat_flux_kw_m2: np.ndarray
    thickness_mm: np.ndarray
    tig_s: np.ndarray
    tig_s_std: np.ndarray
    phrr_kw_m2: np.ndarray
    phrr_kw_m2_std: np.ndarray
    thr_mj_m2: np.ndarray
    thr_mj_m2_std: np.ndarray
    hrr_kw_m2: np.ndarray
    hrr_kw_m2_std: np.ndarray
    time_s: np.ndarray

    def __len__(self) -> int:
        return len(self.smiles)


def default_model_path() -> Path:
    """Where the shipped default model lives (it may not be installed)."""
    from engine.resources import resources_root

    return resources_root() / "models" / "default.onnx"


def default_threads() -> int:
    """Cores this process may use, at most `MAX_DEFAULT_THREADS`."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(available or os.cpu_count() or 1, MAX_DEFAULT_THREADS))


def _open_session(path: Path, threads: int, providers: Sequence[str] | None, optimise: bool):
    import onnxruntime as ort

    if not path.is_file():
        raise PredictorError(f"The model file {path} does not exist; {_EXPORT_HINT}.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: onnxruntime's warnings mean nothing to users
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if optimise
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    if providers is None:
        providers = ["CPUExecutionProvider"]
        if "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
    try:
        return ort.InferenceSession(str(path), options, providers=list(providers))
    except Exception as error:  # onnxruntime's errors share no base class but Exception
        raise PredictorError(
            f"{path} is not a readable ONNX model ({type(error).__name__}); it may be damaged "
            f"or incomplete, so {_EXPORT_HINT}."
        ) from None


def _model_info(session, path: Path) -> tuple[ModelInfo, dict]:
    """The model's `ModelInfo` and tokenizer settings, checked against this format."""
    raw = session.get_modelmeta().custom_metadata_map
    if FORMAT_KEY not in raw:
        raise PredictorError(
            f"{path} is an ONNX model but not a Trinity one (it carries no {FORMAT_KEY} "
            f"metadata); {_EXPORT_HINT}."
        )
    damaged = f"{path} has damaged Trinity metadata"
    try:
        meta = {k.removeprefix(KEY_PREFIX): json.loads(v) for k, v in raw.items()
                if k.startswith(KEY_PREFIX)}
    except json.JSONDecodeError:
        raise PredictorError(f"{damaged} (not valid JSON); {_EXPORT_HINT}.") from None
    if meta["format_version"] != ONNX_FORMAT_VERSION:
        raise PredictorError(
            f"{path} is a Trinity model of format {meta['format_version']} (written by "
            f"Trinity {meta.get('trinity_version', '?')}), but this version reads format "
            f"{ONNX_FORMAT_VERSION}; export it again from its model directory with this "
            "version's `trinity export`."
        )
    missing = [key for key in _REQUIRED_METADATA if key not in meta]
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if missing or not set(INPUTS) <= inputs or not set(OUTPUTS) <= outputs:
        what = f"no {', '.join(missing)}" if missing else "inputs or outputs not Trinity's"
        raise PredictorError(f"{damaged} ({what}); {_EXPORT_HINT}.")
    info = ModelInfo(
        name=meta["name"],
        path=path,
        format_version=meta["format_version"],
        members=meta["members"],
        trinity_version=meta["trinity_version"],
        created=meta["created"],
        opset=meta["opset"],
        time_grid_s=np.asarray(meta["time_grid_s"], dtype=float),
        units=meta["units"],
        training=meta["training"],
        metrics=meta["metrics"],
        provenance=meta["provenance"],
        recipe=meta.get("recipe"),
        evaluation=meta.get("evaluation"),
    )
    return info, meta["tokenizer"]


def read_model_info(path: str | Path) -> ModelInfo:
    """A model file's `ModelInfo`, read without preparing it for predictions."""
    path = Path(path)
    return _model_info(_open_session(path, 1, ["CPUExecutionProvider"], optimise=False), path)[0]


class OnnxPredictor:
    """An exported model, opened once, that predicts cone tests from SMILES.

    ``path`` None is the shipped default model. ``threads`` are onnxruntime's intra-op
    threads (default `default_threads`); ``providers`` its execution providers
    (default CUDA when available, then the CPU).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        threads: int | None = None,
        providers: Sequence[str] | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        if path is None:
            path = default_model_path()
            if not path.is_file():
                raise PredictorError(
                    f"No default model is installed (looked for {path}); give a model file, "
                    f"or {_EXPORT_HINT} and copy it there."
                )
        self.path = Path(path)
        self.batch_size = batch_size
        self._session = _open_session(
            self.path, threads or default_threads(), providers, optimise=True
        )
        self._info, tokenizer = _model_info(self._session, self.path)
        self._vocabulary: dict[str, int] = tokenizer["vocabulary"]
        self._bos, self._eos = tokenizer["bos_id"], tokenizer["eos_id"]
        self._pad, self._unk = tokenizer["pad_id"], tokenizer["unk_id"]
        self._read_unknown_as_unk = tokenizer["unknown_tokens"] == "unk"

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def providers(self) -> list[str]:
        """The execution providers onnxruntime is using, fastest first."""
        return self._session.get_providers()

    def encode(self, smiles: str) -> tuple[str, np.ndarray]:
        """The canonical SMILES and its token ids (``<bos> … <eos>``, as in training).

        Raises `PredictorError` naming the SMILES if it is no valid repeat unit or holds
        a token the model's vocabulary lacks.
        """
        try:
            canonical = parse_polymer(smiles).smiles
        except PolymerError as error:
            raise PredictorError(f"SMILES {smiles!r}: {error}") from None
        ids = [self._bos]
        for token, position, is_smiles in split_smiles(canonical):
            found = self._vocabulary.get(token) if is_smiles else None
            if found is None and not self._read_unknown_as_unk:
                raise PredictorError(
                    f"SMILES {smiles!r} holds {token!r} (at position {position} of its "
                    f"canonical form {canonical!r}), a token model {self._info.name!r} never "
                    "saw in training, so it cannot predict this polymer."
                )
            ids.append(self._unk if found is None else found)
        ids.append(self._eos)
        return canonical, np.asarray(ids, dtype=np.int64)

    def predict(
        self,
        smiles: Sequence[str],
        heat_flux_kw_m2: float | Sequence[float],
        thickness_mm: float | Sequence[float],
    ) -> Prediction:
        """Predictions for each SMILES at its heat flux (kW/m²) and thickness (mm).

        A single flux or thickness applies to every SMILES.
        """
        if isinstance(smiles, str):
            smiles = [smiles]
        flux = _conditions(heat_flux_kw_m2, len(smiles), "heat_flux_kw_m2", "kW/m²")
        thickness = _conditions(thickness_mm, len(smiles), "thickness_mm", "mm")
        cache: dict[str, tuple[str, np.ndarray]] = {}
        for s in smiles:
            if s not in cache:
                cache[s] = self.encode(s)
        encoded = [cache[s] for s in smiles]
        return self._run(encoded, flux, thickness)

    def _run(
        self, encoded: list[tuple[str, np.ndarray]], flux: np.ndarray, thickness: np.ndarray
    ) -> Prediction:
        """The graph over length-sorted batches, so little of each batch is padding."""
        n, points = len(encoded), len(self._info.time_grid_s)
        results = {name: np.zeros((n, points) if name.startswith(CURVE) else n, np.float32)
                   for name in OUTPUTS}
        lengths = np.fromiter((len(ids) for _, ids in encoded), dtype=np.int64, count=n)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            input_ids = np.full((len(rows), lengths[rows].max()), self._pad, dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for k, row in enumerate(rows):
                input_ids[k, : lengths[row]] = encoded[row][1]
                mask[k, : lengths[row]] = 1
            feed = dict(zip(INPUTS, (input_ids, mask, flux[rows], thickness[rows]), strict=True))
            for name, values in zip(OUTPUTS, self._session.run(list(OUTPUTS), feed), strict=True):
                results[name][rows] = values
        return Prediction(
            smiles=tuple(canonical for canonical, _ in encoded),
            heat_flux_kw_m2=flux,
            thickness_mm=thickness,
            time_s=self._info.time_grid_s,
            **results,
        )


def _conditions(values: float | Sequence[float], n: int, name: str, unit: str) -> np.ndarray:
    """One positive, finite float32 per test; a single value is repeated."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise PredictorError(f"Give one {name} per SMILES ({n}), or a single value for all.")
    bad = ~(np.isfinite(array) & (array > 0))
    if bad.any():
        raise PredictorError(
            f"{name} must be a positive number in {unit}, not {array[bad][0]:g}."
        )
    return array.astype(np.float32)
