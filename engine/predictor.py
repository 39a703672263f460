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

import functools
import itertools
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.calibration import DEFAULT_LEVEL, MODEL, Calibration
from engine.csv_tables import shorten
from engine.identity import model_smiles
from engine.onnx_format import (
    CALIBRATION,
    CURVE,
    FORMAT_KEY,
    HIGH,
    INPUTS,
    KEY_PREFIX,
    LOW,
    ONNX_FORMAT_VERSION,
    OUTPUTS,
    SCALARS,
    STD,
)
from engine.polymer import Polymer, PolymerError, parse_polymer
from engine.quantities import HEAT_FLUX, THICKNESS, Limit, QuantityError
from engine.smiles_tokens import split_smiles
from engine.trained_range import TrainedRange, trained_range

#: Tests per onnxruntime call; batches are filled with SMILES of similar length.
BATCH_SIZE = 32
#: (SMILES, fractions) whose parse, canonical form and tokens a predictor keeps between
#: calls: validating and canonicalising a SMILES costs about a millisecond, and a
#: window predicts the same few polymers again at every change of the conditions.
ENCODED_CACHE = 4096
#: Threads beyond this rarely pay for a model of the small size, and leave a desktop
#: machine sluggish.
MAX_DEFAULT_THREADS = 4
_EXPORT_HINT = "export one with `trinity export MODEL_DIR --out MODEL.onnx`"
_EXPORT_AGAIN = "export it again with `trinity export MODEL_DIR --out MODEL.onnx`"
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
    calibration: Calibration | None = None

    @functools.cached_property
    def trained_range(self) -> TrainedRange | None:
        """The heat fluxes and thicknesses the model learnt from (None: not recorded)."""
        return trained_range(self.provenance, self.recipe)


@dataclass(frozen=True, eq=False)
class Prediction:
    """Predicted value, spread and interval per test.

    Scalars have shape ``(n,)``, curves ``(n, points)`` on ``time_s``. ``smiles`` are
    what the model read (`engine.identity.model_smiles`). ``methods`` says per target
    which method gave it ("model": the learnt ensemble; "physics" or
    "physics_informed": `engine.physics_informed`). ``<target>_low`` and ``_high``
    bound the interval that ``interval`` describes at ``level``; ``_std`` is the spread
    (the ensemble's, or the physics' over plausible materials). ``p_ignition`` is the
    probability that the sample ignites (NaN where the method does not say); t_ig is NaN
    where ignition is not expected. ``extrapolation`` holds, per test, a sentence when
    its conditions lie outside what the model was trained on or its chemistry is unlike
    every tested polymer (empty otherwise).
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
    extrapolation: tuple[str, ...] = ()
    level: float = 0.8
    interval: str = ""
    methods: dict = field(default_factory=dict)
    tig_s_low: np.ndarray | None = None
    tig_s_high: np.ndarray | None = None
    phrr_kw_m2_low: np.ndarray | None = None
    phrr_kw_m2_high: np.ndarray | None = None
    thr_mj_m2_low: np.ndarray | None = None
    thr_mj_m2_high: np.ndarray | None = None
    hrr_kw_m2_low: np.ndarray | None = None
    hrr_kw_m2_high: np.ndarray | None = None
    p_ignition: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.smiles)

    def bounds(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) of the interval of a scalar or of the HRR curve."""
        return getattr(self, name + "_low"), getattr(self, name + "_high")


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

    if path.is_dir():
        raise PredictorError(
            f"{path} is a folder, not a model file; give the path of an .onnx file, or turn a "
            "trained model folder into one with `trinity export MODEL_DIR --out MODEL.onnx`."
        )
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


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return _is_int(value) or isinstance(value, float)


#: Kinds of metadata value: test, and what the value should have been, for the sentence.
_KINDS = {
    "int": (_is_int, "an integer"),
    "positive": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "number": (_is_number, "a number"),
    "number|None": (lambda v: v is None or _is_number(v), "a number"),
    "text": (lambda v: isinstance(v, str), "text"),
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a name"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "object": (lambda v: isinstance(v, dict), "a JSON object"),
    "object|None": (lambda v: v is None or isinstance(v, dict), "a JSON object"),
}


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "…" + text[-1]


class _Metadata:
    """Checks a file's decoded metadata; the first defect raises one `PredictorError`.

    Everything the predictor, ``trinity models`` and the window read is checked here, so
    that an edited or damaged file is named with its defect instead of failing later in
    code that trusted it.
    """

    def __init__(self, path: Path):
        self.path = path

    def fail(self, problem: str):
        raise PredictorError(
            f"{self.path} has damaged Trinity metadata ({problem}); {_EXPORT_AGAIN}."
        )

    def field(self, record: dict, key: str, where: str, kind: str, *, optional: bool = False):
        """``record[key]`` of ``kind``; ``where`` names ``record`` in the sentence."""
        if key not in record:
            if optional:
                return None
            self.fail(f"{where or 'it'} has no {key}")
        value = record[key]
        test, wanted = _KINDS[kind]
        if not test(value):
            self.fail(f"{where + '.' if where else ''}{key} is {_short(value)}, not {wanted}")
        return value

    def time_grid(self, meta: dict, points: int | None) -> np.ndarray:
        grid = meta["time_grid_s"]
        if not (
            isinstance(grid, list)
            and grid
            and all(_is_number(t) and math.isfinite(t) for t in grid)
            and all(a < b for a, b in itertools.pairwise(grid))
        ):
            self.fail(
                f"time_grid_s is {_short(grid)}, not a non-empty list of increasing finite times"
            )
        if points is not None and len(grid) != points:
            self.fail(f"time_grid_s has {len(grid)} points but the model's HRR curve has {points}")
        return np.asarray(grid, dtype=float)

    def tokenizer(self, meta: dict) -> dict:
        tokenizer = self.field(meta, "tokenizer", "", "object")
        vocabulary = self.field(tokenizer, "vocabulary", "tokenizer", "object")
        if not vocabulary:
            self.fail("tokenizer.vocabulary is {}, not a non-empty JSON object of token ids")
        for token, index in vocabulary.items():
            if not (_is_int(index) and index >= 0):
                self.fail(
                    f"tokenizer.vocabulary gives {token!r} the id {_short(index)}, not a "
                    "non-negative integer"
                )
        ids = set(vocabulary.values())
        for key in ("bos_id", "eos_id", "pad_id", "unk_id"):
            if self.field(tokenizer, key, "tokenizer", "int") not in ids:
                self.fail(f"tokenizer.{key} is {tokenizer[key]}, which is no id of its vocabulary")
        unknown = self.field(tokenizer, "unknown_tokens", "tokenizer", "text")
        if unknown not in ("error", "unk"):
            self.fail(f"tokenizer.unknown_tokens is {_short(unknown)}, not 'error' or 'unk'")
        return tokenizer

    def members(self, meta: dict, members: int) -> None:
        """Each member's training records, as the model card reads them."""
        for key in ("training", "metrics", "provenance"):
            records = self.field(meta, key, "", "object")
            kind = "object" if key == "training" else "object|None"
            for member, record in records.items():
                if not _KINDS[kind][0](record):
                    self.fail(f"{key}[{member!r}] is {_short(record)}, not a JSON object")
        if len(meta["training"]) != members:
            self.fail(f"training describes {len(meta['training'])} member(s), but members is "
                      f"{members}")
        for member, record in meta["metrics"].items():
            if record is not None:
                where = f"metrics[{member!r}]"
                self.field(record, "best_epoch", where, "int", optional=True)
                self.field(record, "best_val_loss", where, "number|None", optional=True)
                self.field(record, "epochs", where, "list", optional=True)
        for member, record in meta["provenance"].items():
            if record is not None:
                self.field(record, "data", f"provenance[{member!r}]", "object|None",
                           optional=True)

    def recipe(self, meta: dict) -> dict | None:
        """How a model built by `trinity recipe` was made, as ``trinity models`` shows it."""
        recipe = self.field(meta, "recipe", "", "object|None", optional=True)
        if recipe is None:
            return None
        settings = self.field(recipe, "recipe", "recipe", "object")
        synthetic = self.field(settings, "synthetic", "recipe.recipe", "object")
        self.field(synthetic, "n_polymers", "recipe.recipe.synthetic", "int")
        self.field(synthetic, "seed", "recipe.recipe.synthetic", "int")
        phase1 = self.field(settings, "phase1", "recipe.recipe", "object")
        self.field(phase1, "epochs", "recipe.recipe.phase1", "int")
        self.field(settings, "data", "recipe.recipe", "text")
        self.field(settings, "seeds", "recipe.recipe", "list")
        git = self.field(recipe, "git", "recipe", "object|None", optional=True)
        if git:
            self.field(git, "commit", "recipe.git", "text", optional=True)
        return recipe

    def evaluation(self, meta: dict) -> dict | None:
        """Held-out scores (`trinity evaluate`'s summary), as ``trinity models`` shows them."""
        report = self.field(meta, "evaluation", "", "object|None", optional=True)
        if report is None:
            return None
        self.field(report, "polymers", "evaluation", "int")
        self.field(report, "tests", "evaluation", "int")
        self.field(report, "seeds", "evaluation", "list")
        scores = self.field(report, "scores", "evaluation", "object")
        for method in scores:
            where = f"evaluation.scores[{method!r}]"
            score = self.field(scores, method, "evaluation.scores", "object")
            targets = self.field(score, "all_fluxes", where, "object", optional=True) or {}
            for target in targets:
                inner = f"{where}.all_fluxes[{target!r}]"
                values = self.field(targets, target, f"{where}.all_fluxes", "object")
                for key in ("median_relative_error", "mean_relative_error"):
                    self.field(values, key, inner, "number")
        return report


def _model_info(session, path: Path) -> tuple[ModelInfo, dict]:
    """The model's `ModelInfo` and tokenizer settings, checked against this format and
    for the type and shape of every field that is read from them."""
    raw = session.get_modelmeta().custom_metadata_map
    if FORMAT_KEY not in raw:
        raise PredictorError(
            f"{path} is an ONNX model but not a Trinity one (it carries no {FORMAT_KEY} "
            f"metadata); {_EXPORT_HINT}."
        )
    check = _Metadata(path)
    meta = {}
    for key, text in raw.items():
        if key.startswith(KEY_PREFIX):
            try:
                meta[key.removeprefix(KEY_PREFIX)] = json.loads(text)
            except json.JSONDecodeError:
                check.fail(f"{key} is not valid JSON")
    version = check.field(meta, "format_version", "", "int")
    if version != ONNX_FORMAT_VERSION:
        raise PredictorError(
            f"{path} is a Trinity model of format {version} (written by "
            f"Trinity {meta.get('trinity_version', '?')}), but this version reads format "
            f"{ONNX_FORMAT_VERSION}; export it again from its model directory with this "
            "version's `trinity export`."
        )
    missing = [key for key in _REQUIRED_METADATA if key not in meta]
    if missing:
        check.fail(f"it has no {', '.join(missing)}")
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name: o.shape for o in session.get_outputs()}
    if not set(INPUTS) <= inputs or not set(OUTPUTS) <= set(outputs):
        check.fail("inputs or outputs not Trinity's")
    curve = outputs[CURVE]
    points = curve[1] if len(curve) == 2 and isinstance(curve[1], int) else None
    members = check.field(meta, "members", "", "positive")
    check.members(meta, members)
    info = ModelInfo(
        name=check.field(meta, "name", "", "name"),
        path=path,
        format_version=version,
        members=members,
        trinity_version=check.field(meta, "trinity_version", "", "text"),
        created=check.field(meta, "created", "", "text"),
        opset=check.field(meta, "opset", "", "positive"),
        time_grid_s=check.time_grid(meta, points),
        units=_units(check, meta),
        training=meta["training"],
        metrics=meta["metrics"],
        provenance=meta["provenance"],
        recipe=check.recipe(meta),
        evaluation=check.evaluation(meta),
        calibration=_calibration(check, meta),
    )
    return info, check.tokenizer(meta)


def _calibration(check: _Metadata, meta: dict) -> Calibration | None:
    record = check.field(meta, CALIBRATION, "", "object|None", optional=True)
    if record is None:
        return None
    try:
        return Calibration.from_json(record)
    except ValueError as error:
        check.fail(str(error).rstrip(".").split(";")[0])


def _units(check: _Metadata, meta: dict) -> dict:
    units = check.field(meta, "units", "", "object")
    for name in units:
        check.field(units, name, "units", "text")
    return units


def read_model_info(path: str | Path) -> ModelInfo:
    """A model file's `ModelInfo`, read without preparing it for predictions."""
    path = Path(path)
    return _model_info(_open_session(path, 1, ["CPUExecutionProvider"], optimise=False), path)[0]


class OnnxPredictor:
    """An exported model, opened once, that predicts cone tests from SMILES.

    ``path`` None is the shipped default model. ``threads`` are onnxruntime's intra-op
    threads (default `default_threads`); ``providers`` its execution providers
    (default CUDA when available, then the CPU). ``ignition_draws``: plausible materials
    simulated per test for the probability of ignition and the physics' spread (default
    24; 0 is fastest: p_ignition is then 0 or 1 and there is no spread).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        threads: int | None = None,
        providers: Sequence[str] | None = None,
        batch_size: int = BATCH_SIZE,
        ignition_draws: int | None = None,
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
        self.ignition_draws = ignition_draws
        self._session = _open_session(
            self.path, threads or default_threads(), providers, optimise=True
        )
        self._info, tokenizer = _model_info(self._session, self.path)
        self._vocabulary: dict[str, int] = tokenizer["vocabulary"]
        self._bos, self._eos = tokenizer["bos_id"], tokenizer["eos_id"]
        self._pad, self._unk = tokenizer["pad_id"], tokenizer["unk_id"]
        self._read_unknown_as_unk = tokenizer["unknown_tokens"] == "unk"
        self._encoded = functools.lru_cache(maxsize=ENCODED_CACHE)(self._encode_once)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def providers(self) -> list[str]:
        """The execution providers onnxruntime is using, fastest first."""
        return self._session.get_providers()

    def encode(
        self, smiles: str, fractions: Sequence[float] | None = None
    ) -> tuple[str, np.ndarray, Polymer]:
        """What the model reads (`engine.identity.model_smiles`), its token ids
        (``<bos> … <eos>``, as in training), and the polymer the physics simulates.

        Raises `PredictorError` naming the SMILES if it is no valid repeat unit, or holds
        a token the model's vocabulary lacks while the learnt model predicts a target.
        """
        try:
            polymer = parse_polymer(smiles, fractions)
        except PolymerError as error:
            raise PredictorError(f"SMILES {shorten(smiles)!r}: {error}") from None
        canonical = model_smiles(polymer)
        ids = [self._bos]
        for token, position, is_smiles in split_smiles(canonical):
            found = self._vocabulary.get(token) if is_smiles else None
            if found is None and not self._read_unknown_as_unk and self._uses_model:
                raise PredictorError(
                    f"SMILES {shorten(smiles)!r} holds {token!r} (at position {position} of "
                    f"its canonical form {shorten(canonical)!r}), a token model "
                    f"{self._info.name!r} never "
                    "saw in training, so it cannot predict this polymer."
                )
            ids.append(self._unk if found is None else found)
        ids.append(self._eos)
        return canonical, np.asarray(ids, dtype=np.int64), polymer

    def _encode_once(
        self, smiles: str, fractions: tuple[float, ...] | None
    ) -> tuple[str, np.ndarray, Polymer]:
        """`encode`, its token ids read-only: the result is shared by every later call
        with the same SMILES and fractions."""
        canonical, ids, polymer = self.encode(smiles, fractions)
        ids.flags.writeable = False
        return canonical, ids, polymer

    @property
    def _uses_model(self) -> bool:
        calibration = self._info.calibration
        return calibration is None or MODEL in calibration.methods.values()

    def predict(
        self,
        smiles: Sequence[str],
        heat_flux_kw_m2: float | Sequence[float],
        thickness_mm: float | Sequence[float],
        *,
        level: float | None = None,
        fractions: Sequence[Sequence[float] | None] | None = None,
        backing: str | Sequence[str] = "insulated",
    ) -> Prediction:
        """Predictions for each SMILES at its heat flux (kW/m²) and thickness (mm).

        A single flux or thickness applies to every SMILES. ``level`` is the interval's
        (default: the model's calibration level, else 0.8). ``fractions`` gives a
        copolymer's unit fractions (mole basis) per SMILES; the physics uses them, the
        learnt model cannot, and says so in ``extrapolation``. ``backing`` ("insulated"
        or "blanket", one for all or one per SMILES) likewise reaches the physics; the
        learnt model was trained on insulated samples.
        """
        if isinstance(smiles, str):
            smiles = [smiles]
        flux = _conditions(heat_flux_kw_m2, len(smiles), HEAT_FLUX, "heat_flux_kw_m2")
        thickness = _conditions(thickness_mm, len(smiles), THICKNESS, "thickness_mm")
        fractions = list(fractions) if fractions is not None else [None] * len(smiles)
        if len(fractions) != len(smiles):
            raise PredictorError(f"Give one set of fractions per SMILES ({len(smiles)}).")
        calibration = self._info.calibration
        level = level if level is not None else (
            calibration.default_level if calibration else DEFAULT_LEVEL)
        if not 0 < level < 1:
            raise PredictorError(f"The interval level must lie between 0 and 1, not {level}.")
        encoded = [self._encoded(s, tuple(f) if f is not None else None)
                   for s, f in zip(smiles, fractions, strict=True)]
        backs = _backings(backing, len(smiles))
        return self._run(encoded, flux, thickness, level, fractions, backs)

    def _run(
        self,
        encoded: list[tuple[str, np.ndarray, Polymer]],
        flux: np.ndarray,
        thickness: np.ndarray,
        level: float,
        fractions: list,
        backing: list[str] | None = None,
    ) -> Prediction:
        n, grid = len(encoded), self._info.time_grid_s
        backing = backing or ["insulated"] * n
        calibration = self._info.calibration
        methods = dict(calibration.methods) if calibration else dict.fromkeys(SCALARS, MODEL)
        results = self._learnt(encoded, flux, thickness) if MODEL in methods.values() else {}
        bounds: dict[str, np.ndarray] = {}
        p_ignition = np.full(n, np.nan)
        if calibration is None:
            z = _normal_quantile(0.5 + level / 2)
            for name in (*SCALARS, CURVE):
                mean, std = results[name], results[name + STD]
                bounds[name + LOW] = np.maximum(mean - z * std, 0.0)
                bounds[name + HIGH] = mean + z * std
            interval = (f"ensemble spread ±{z:.2f}σ, not calibrated on held-out polymers "
                        f"(nominal {level:.0%})")
        else:
            from engine.physics_informed import forecast

            physics = [t for t, m in methods.items() if m != MODEL]
            if physics:
                learnt = {t: results[t] for t, m in methods.items() if m == MODEL}
                more = {} if self.ignition_draws is None else {"draws": self.ignition_draws}
                result = forecast([e[2] for e in encoded], flux, thickness, calibration, grid,
                                  level=level, fixed=learnt, backing=backing, **more)
                for t in learnt:  # no flame expected: the learnt numbers follow
                    results[t] = result.values[t].astype(np.float32)
                for t in physics:
                    results[t] = result.values[t].astype(np.float32)
                    results[t + STD] = result.std[t].astype(np.float32)
                    bounds[t + LOW], bounds[t + HIGH] = result.low[t], result.high[t]
                p_ignition = result.p_ignition
                if methods["phrr_kw_m2"] != MODEL:  # the curve follows the peak's method
                    results[CURVE] = result.hrr_kw_m2.astype(np.float32)
                    results[CURVE + STD] = np.zeros_like(results[CURVE])
                    bounds[CURVE + LOW] = result.hrr_kw_m2_low
                    bounds[CURVE + HIGH] = result.hrr_kw_m2_high
            for t in [t for t, m in methods.items() if m == MODEL] + (
                    [CURVE] if CURVE + LOW not in bounds else []):
                width = calibration.bands["phrr_kw_m2" if t == CURVE else t].half_width(level)
                bounds[t + LOW] = results[t] * math.exp(-width)
                bounds[t + HIGH] = results[t] * math.exp(width)
            interval = (f"{level:.0%} interval, calibrated on held-out polymers "
                        f"({calibration.summary.get('polymers', '?')} polymers, leave one out)")
        flags = self._flags(encoded, flux, thickness, fractions, methods, calibration, backing)
        return Prediction(
            smiles=tuple(canonical for canonical, _, _ in encoded),
            heat_flux_kw_m2=flux,
            thickness_mm=thickness,
            time_s=grid,
            extrapolation=flags,
            level=level,
            interval=interval,
            methods=methods,
            p_ignition=p_ignition,
            **{name: np.asarray(results[name]) for name in OUTPUTS},
            **{name: np.asarray(b, dtype=float) for name, b in bounds.items()},
        )

    def _flags(self, encoded, flux, thickness, fractions, methods, calibration, backing):
        """Per test, the sentences that make it an extrapolation (joined by "; ")."""
        span = self._info.trained_range
        conditions = span.flags(flux, thickness) if span else ("",) * len(encoded)
        tested = (calibration.summary.get("tested_polymers") or {}) if calibration else {}
        chemistry: dict[str, str] = {}
        out = []
        for (canonical, _, polymer), condition, f, back in zip(
                encoded, conditions, fractions, backing, strict=True):
            notes = [condition] if condition else []
            if tested:
                if canonical not in chemistry:
                    from engine.physics_informed import chemistry_flag

                    chemistry[canonical] = chemistry_flag(canonical, tested)
                if chemistry[canonical]:
                    notes.append(chemistry[canonical])
            if f is not None and not polymer.is_homopolymer and MODEL in methods.values():
                notes.append("the learnt model reads the units of a copolymer, not their "
                             "fractions")
            if back != "insulated" and MODEL in methods.values():
                notes.append(f"the learnt model was trained on insulated samples, not a "
                             f"{back} backing")
            out.append("; ".join(notes))
        return tuple(out)

    def _learnt(
        self, encoded: list[tuple[str, np.ndarray, Polymer]], flux: np.ndarray,
        thickness: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """The graph over length-sorted batches, so little of each batch is padding."""
        n, points = len(encoded), len(self._info.time_grid_s)
        results = {name: np.zeros((n, points) if name.startswith(CURVE) else n, np.float32)
                   for name in OUTPUTS}
        lengths = np.fromiter((len(ids) for _, ids, _ in encoded), dtype=np.int64, count=n)
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
        return results


def _backings(backing: str | Sequence[str], n: int) -> list[str]:
    """One backing per test, each "insulated" or "blanket"."""
    backs = [backing] * n if isinstance(backing, str) else list(backing)
    if len(backs) != n:
        raise PredictorError(f"Give one backing per SMILES ({n}), or a single one for all.")
    for back in backs:
        if back not in ("insulated", "blanket"):
            raise PredictorError(
                f"backing {shorten(str(back))!r} is neither 'insulated' nor 'blanket'.")
    return backs


def _normal_quantile(p: float) -> float:
    """The standard normal quantile (statistics.NormalDist, no scipy import)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _conditions(values: float | Sequence[float], n: int, limit: Limit, name: str) -> np.ndarray:
    """One float32 per test inside ``limit``'s accepted range; a single value is repeated."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise PredictorError(f"{name} must be numbers in {limit.unit}.") from None
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise PredictorError(f"Give one {name} per SMILES ({n}), or a single value for all.")
    for value in array:
        try:
            limit.check(float(value), name)
        except QuantityError as error:
            raise PredictorError(str(error)) from None
    return array.astype(np.float32)
