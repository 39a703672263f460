"""Leave-one-polymer-out evaluation of the three methods the paper compares.

For each polymer of the experimental data (all its tests held out together) and each
seed: phase 2 finetunes the given phase-1 model on the other polymers, the single-phase
baseline trains on the same polymers from the weights phase 1 started from, and both
predict the held-out tests; the physics-only method (GC + cone model) predicts every test
once. Phase 1 never saw experimental data, so it is trained once, outside the folds.

The fold's training tests are written as a CSV in the report folder and given to the
ordinary `train_phase2` and `train_single`, so a fold model is a normal model directory
whose provenance names exactly the tests it learnt from.

Resuming: each finished (seed, fold) is saved atomically as one JSON file, and a rerun
with the same settings skips it; an interrupted fold resumes its training run from its
last epoch. A report folder that holds an evaluation with other settings is refused.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from engine.datasets import COLUMNS
from engine.evaluation import (
    METHODS,
    TARGETS,
    EvaluationResults,
    physics_predictions,
    polymer_folds,
)
from engine.jobs import CancelToken, ProgressCallback, ProgressReporter

from .data import TestTable, experimental_tests, model_inputs, tokenize
from .ensemble import ConeEnsemble
from .loop import TrainSettings
from .model_dir import (
    ENSEMBLE,
    ModelDirError,
    is_complete,
    load_config,
    load_model_dir,
    read_ensemble,
    read_json,
    read_training_config,
    write_json,
)
from .phases import (
    default_settings,
    member_dir,
    train_ensemble,
    train_phase2,
    train_single,
)

SETTINGS_FILE = "evaluation_settings.json"
PHYSICS_FILE = "physics.json"
FOLDS = "folds"
REPORT_JSON = "evaluation.json"
PREDICTIONS_CSV = "predictions.csv"


class EvaluationError(ValueError):
    """An evaluation that cannot run (model, data, report folder), with the reason."""


@dataclass(frozen=True)
class Phase1:
    """The phase-1 model of each seed, and how its start is rebuilt for the baseline."""

    members: dict[int, Path]
    size: str
    init: str | None
    model_overrides: dict
    fingerprints: dict[int, str]


def resolve_phase1(folder: str | Path, seeds: Sequence[int] | None) -> tuple[Phase1, list[int]]:
    """Check a phase-1 model (or ensemble) folder and pick the member of each seed.

    An ensemble gives seed N its member ``seed-N``, which started from the weights a
    baseline with seed N starts from. A single model serves every seed; by default the
    seed is its own, the only one whose baseline shares its exact start (others start
    from the same preset drawn with their seed).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"The phase-1 model folder {folder} does not exist.")
    if (folder / ENSEMBLE).is_file():
        available = read_ensemble(folder)["seeds"]
        seeds = list(seeds) if seeds else list(available)
        missing = sorted(set(seeds) - set(available))
        if missing:
            raise EvaluationError(
                f"{folder} has no phase-1 member for seed(s) {missing}; it has {available}."
            )
        members = {s: member_dir(folder, s) for s in seeds}
    else:
        own = read_training_config(folder)["settings"]["seed"]
        seeds = list(seeds) if seeds else [own]
        members = dict.fromkeys(seeds, folder)
    configs = {}
    for seed, member in members.items():
        config = read_training_config(member)
        if config.get("phase") != "phase1":
            raise EvaluationError(
                f"{member} is a {config.get('phase')} model; evaluation starts from a "
                "phase-1 model."
            )
        if not is_complete(member):
            raise EvaluationError(
                f"{member} has not finished phase 1; rerun its command to finish it."
            )
        configs[seed] = config
    first = configs[seeds[0]]
    return (
        Phase1(
            members=members,
            size=first["size"],
            init=first["init"],
            model_overrides=first["model_overrides"],
            fingerprints={s: c["fingerprint"] for s, c in configs.items()},
        ),
        seeds,
    )


def _fingerprint(phase1: Phase1, table: TestTable, seeds: list[int], settings: TrainSettings,
                 data: str) -> dict:
    """What a finished fold depends on; the device is left out so a run can move."""
    return {
        "phase1": {str(s): str(p.resolve()) for s, p in phase1.members.items()},
        "phase1_fingerprints": {str(s): f for s, f in phase1.fingerprints.items()},
        "data": data,
        "data_sha256": table.provenance["sha256"],
        "seeds": seeds,
        "train_settings": {k: v for k, v in settings.to_json().items() if k not in ("device",
                                                                                    "seed")},
    }


def _check_report_dir(out_dir: Path, settings: dict) -> None:
    path = out_dir / SETTINGS_FILE
    if path.is_file():
        found = read_json(path, "delete the report folder, or choose another one")
        if found != json.loads(json.dumps(settings, default=str)):
            raise EvaluationError(
                f"{out_dir} holds an evaluation with other data, models or settings; rerun "
                "that command to resume it, or choose another folder."
            )
        return
    if out_dir.exists() and any(out_dir.iterdir()):
        raise EvaluationError(
            f"{out_dir} is not empty and holds no evaluation; choose an empty or new folder."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(path, settings)


def _physics(table: TestTable, out_dir: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Physics-only predictions of every test, computed once and kept in the report."""
    path = out_dir / PHYSICS_FILE
    if not path.is_file():
        start = time.perf_counter()
        scalars, curves = physics_predictions(table.frame, table.time_grid_s)
        write_json(path, {
            "seconds": time.perf_counter() - start,
            "scalars": scalars[list(TARGETS)].to_numpy(float).tolist(),
            "curves": np.asarray(curves, dtype=float).tolist(),
        })
    again = "delete it and rerun the same command to compute the physics predictions again"
    saved = read_json(path, again)
    try:
        scalars = np.asarray(saved["scalars"], dtype=float)
        curves = np.asarray(saved["curves"], dtype=float)
        seconds = float(saved["seconds"])
    except (KeyError, TypeError, ValueError):
        raise ModelDirError(f"{path} is damaged (not physics predictions); {again}.") from None
    if scalars.shape != (len(table.frame), len(TARGETS)) or curves.shape != (
        len(table.frame), len(table.time_grid_s)
    ):
        raise ModelDirError(f"{path} is damaged (not one prediction per test); {again}.")
    return scalars, curves, seconds


def _predict(folder: Path, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Scalars, curves and the count of tests with out-of-vocabulary tokens.

    Unknown tokens are read as ``<unk>`` here, as in training: a held-out polymer with an
    atom no training polymer had is exactly the case an evaluation must score, not skip.
    """
    member = load_model_dir(folder, unknown_tokens="unk")
    smiles = model_inputs(list(frame["smiles"]))
    prediction = ConeEnsemble((member,)).predict(
        smiles, frame["heat_flux_kw_m2"].to_numpy(float), frame["thickness_mm"].to_numpy(float),
    )
    _, report = tokenize(smiles, member.tokenizer)
    return prediction.scalars_mean, prediction.curve_mean_kw_m2, report.rows_affected


def _resolved(phase1: str | Path, seeds: Sequence[int] | None) -> tuple[Phase1, list[int]]:
    """`resolve_phase1`, a damaged model folder being an `EvaluationError` too."""
    try:
        return resolve_phase1(phase1, seeds)
    except ModelDirError as exc:
        raise EvaluationError(str(exc)) from None


def _run_fold(
    table: TestTable,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    phase1: Phase1,
    seed: int,
    settings: TrainSettings,
    work: Path,
    cancel: CancelToken | None,
) -> dict:
    """Train both learned methods on ``train_rows`` and predict ``test_rows``."""
    work.mkdir(parents=True, exist_ok=True)
    train_csv = work / "train.csv"
    columns = [c for c in COLUMNS if c != "line"]
    table.frame.iloc[train_rows][columns].to_csv(train_csv, index=False)
    seeded = replace(settings, seed=seed)
    two = train_phase2(phase1.members[seed], train_csv, work / "two_phase", settings=seeded,
                       cancel=cancel)
    single = train_single(
        train_csv, work / "single", size=phase1.size, init=phase1.init, settings=seeded,
        model_overrides=phase1.model_overrides, cancel=cancel,
    )
    held_out = table.frame.iloc[test_rows]
    saved = {"rows": test_rows.tolist(), "methods": {}}
    for method, result in (("two_phase", two), ("single", single)):
        scalars, curves, unknown = _predict(result.out_dir, held_out)
        saved["methods"][method] = {
            "scalars": scalars.tolist(),
            "curves": curves.tolist(),
            "tests_with_unknown_tokens": unknown,
            "best_epoch": result.fit.best_epoch + 1,
            "epochs_run": len(result.fit.history),
        }
    return saved


def evaluate(
    phase1: str | Path,
    out_dir: str | Path,
    *,
    data: str | Path = "shipped",
    seeds: Sequence[int] | None = None,
    settings: TrainSettings | None = None,
    keep_models: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> EvaluationResults:
    """Leave-one-polymer-out evaluation of physics, single-phase and two-phase.

    ``settings`` are those of phase 2 and the baseline (default: phase 2's; their seed is
    replaced by each evaluation seed). Fold model directories are deleted once their
    predictions are saved unless ``keep_models``. Writes ``evaluation.json`` and
    ``predictions.csv`` in ``out_dir`` and returns the results.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    settings = settings or default_settings("phase2")
    resolved, seeds = _resolved(phase1, seeds)
    config = load_config(resolved.members[seeds[0]])
    time_grid = config.time_grid_s
    table = experimental_tests(data, time_grid)
    folds = list(polymer_folds(table.frame, key="smiles"))
    if len(folds) < 2:
        raise EvaluationError(
            f"The data hold {len(folds)} polymer; leave-one-polymer-out needs at least two."
        )
    fingerprint = _fingerprint(resolved, table, seeds, settings, str(data))
    _check_report_dir(out_dir, fingerprint)
    report = ProgressReporter(1 + len(seeds) * len(folds), progress)
    report(0, "physics-only predictions (GC + cone model)")
    if cancel is not None:
        cancel.raise_if_cancelled()
    physics_scalars, physics_curves, compute_s = _physics(table, out_dir)
    n, points = len(table.frame), len(time_grid)
    scalars = {m: np.full((len(seeds), n, len(TARGETS)), np.nan) for m in METHODS}
    curves = {m: np.full((len(seeds), n, points), np.nan) for m in METHODS}
    scalars["physics"][:] = physics_scalars
    curves["physics"][:] = physics_curves
    unknown = {"single": 0, "two_phase": 0}
    done = 1
    for k, seed in enumerate(seeds):
        for f, fold in enumerate(folds):
            path = out_dir / FOLDS / f"seed-{seed}" / f"fold-{f:03d}.json"
            report(done, f"seed {seed}, fold {f + 1}/{len(folds)}: {fold.polymer}")
            if not path.is_file():
                if cancel is not None:
                    cancel.raise_if_cancelled()
                work = path.with_suffix("")
                fold_start = time.perf_counter()
                saved = _run_fold(table, fold.train, fold.test, resolved, seed, settings, work,
                                  cancel)
                seconds = time.perf_counter() - fold_start
                write_json(path, {"polymer": fold.polymer, "seconds": seconds, **saved})
                if not keep_models:
                    shutil.rmtree(work, ignore_errors=True)
            again = "delete it and rerun the same command to compute that fold again"
            saved = read_json(path, again)
            try:
                compute_s += float(saved["seconds"])
                rows = np.asarray(saved["rows"], dtype=int)
                for method, values in saved["methods"].items():
                    scalars[method][k, rows] = np.asarray(values["scalars"], dtype=float)
                    curves[method][k, rows] = np.asarray(values["curves"], dtype=float)
                    unknown[method] += int(values["tests_with_unknown_tokens"])
            except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                raise ModelDirError(
                    f"{path} is damaged (not the predictions of a fold); {again}."
                ) from None
            done += 1
    report(done, "scoring")
    fold_of = np.empty(n, dtype=int)
    for f, fold in enumerate(folds):
        fold_of[fold.test] = f
    tests = table.frame.assign(fold=fold_of)
    results = EvaluationResults(
        tests=tests,
        measured_curves=table.curves.astype(float),
        time_grid_s=time_grid,
        seeds=tuple(seeds),
        scalars=scalars,
        curves=curves,
        settings={
            **fingerprint,
            "folds": len(folds),
            "phase1_size": resolved.size,
            "baseline_start": _baseline_start(resolved, seeds),
            "device": settings.device,
            "held_out_tests_with_unknown_tokens": unknown,
        },
        elapsed_s=time.perf_counter() - start,
        compute_s=compute_s,
    )
    write_report(results, out_dir)
    return results


def _baseline_start(phase1: Phase1, seeds: list[int]) -> str:
    """Say whether each baseline started from exactly phase 1's initial weights."""
    own = {s: read_training_config(p)["settings"]["seed"] for s, p in phase1.members.items()}
    if all(own[s] == s for s in seeds):
        return "the same initial weights as phase 1 (same preset, seed and vocabulary size)"
    return (
        "the same preset as phase 1, drawn with each evaluation seed (phase 1 started from "
        f"seed {sorted(set(own.values()))})"
    )


def write_report(results: EvaluationResults, out_dir: Path) -> None:
    """``evaluation.json`` (scores, improvement, settings) and ``predictions.csv``."""
    write_json(out_dir / REPORT_JSON, _finite(results.to_json()))
    tmp = out_dir / (PREDICTIONS_CSV + ".tmp")
    results.predictions_frame().to_csv(tmp, index=False)
    tmp.replace(out_dir / PREDICTIONS_CSV)


def _finite(value):
    """NaN → None, so the JSON is strict (browsers and jq reject NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# Ablations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AblationCase:
    """One phase-1 variant: how many synthetic polymers, and whether curves are learnt."""

    synthetic_polymers: int
    curve_loss_weight: float

    @property
    def name(self) -> str:
        return f"synth{self.synthetic_polymers}-curve{self.curve_loss_weight:g}"


def synthetic_subset(source: str | Path, n_polymers: int, out_dir: str | Path) -> Path:
    """The first ``n_polymers`` polymers of a synthetic data set, as a data set of its own.

    Taking the first ones (generation order, which is random) keeps the subsets nested,
    so a bigger set holds every polymer of a smaller one and only size differs.
    """
    import pyarrow.parquet as pq

    from engine.synthetic import MANIFEST

    source, out_dir = Path(source), Path(out_dir)
    manifest = read_json(source / MANIFEST)
    if (out_dir / MANIFEST).is_file():
        return out_dir
    ids: list[int] = []
    parts = []
    for part in sorted(source.glob("part-*.parquet")):
        if len(ids) >= n_polymers:
            break
        frame = pq.read_table(part).to_pandas()
        seen = set(ids)
        new = [i for i in pd.unique(frame["polymer_id"]) if i not in seen]
        ids += new[: n_polymers - len(ids)]
        parts.append((part.name, frame[frame["polymer_id"].isin(ids)]))
    if len(ids) < n_polymers:
        raise EvaluationError(
            f"{source} holds {len(ids)} polymers, fewer than the {n_polymers} asked for."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in parts:
        frame.to_parquet(out_dir / name, index=False)
    manifest["config"]["n_polymers"] = n_polymers
    manifest["subset_of"] = str(source.resolve())
    # The manifest last: a folder without it is not a data set, so a crash leaves no half set.
    write_json(out_dir / MANIFEST, manifest)
    return out_dir


def run_ablation(
    synthetic: str | Path,
    work_dir: str | Path,
    cases: Sequence[AblationCase],
    *,
    data: str | Path = "shipped",
    seeds: Sequence[int] = (0,),
    size: str = "small",
    phase1_settings: TrainSettings | None = None,
    settings: TrainSettings | None = None,
    model_overrides: dict | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> dict[AblationCase, EvaluationResults]:
    """Phase 1 per case (on a nested subset, with or without the curve loss), then
    `evaluate` on the same folds and seeds; every step resumes from ``work_dir``.

    Phase 1 is an ensemble of ``seeds`` so each seed's baseline starts from exactly
    that member's initial weights.
    """
    work_dir = Path(work_dir)
    results = {}
    for case in cases:
        subset = synthetic_subset(
            synthetic, case.synthetic_polymers, work_dir / f"synth{case.synthetic_polymers}"
        )
        phase1 = work_dir / f"phase1-{case.name}"
        overrides = {**(model_overrides or {}), "curve_loss_weight": case.curve_loss_weight}
        train_ensemble(
            "phase1", list(seeds), phase1, settings=phase1_settings or default_settings("phase1"),
            data=subset, size=size, model_overrides=overrides, progress=progress, cancel=cancel,
        )
        results[case] = evaluate(
            phase1, work_dir / f"evaluation-{case.name}", data=data, seeds=seeds,
            settings=settings, progress=progress, cancel=cancel,
        )
    return results


LAB_OUT_JSON = "lab_out.json"


def evaluate_lab_out(
    phase1: str | Path,
    out_dir: str | Path,
    *,
    polymer: str = "PMMA",
    seeds: Sequence[int] | None = None,
    settings: TrainSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> dict:
    """Leave one laboratory out on one polymer of the shipped tests: for each lab that
    tested ``polymer``, both learnt methods are trained on every other test (the other
    polymers, and the other labs' tests of it) and predict that lab's tests. How much of
    the error is the lab, not the chemistry. Each (seed, lab) is saved, so a rerun
    resumes; writes ``lab_out.json`` and returns it."""
    from engine.datasets import shipped_tests

    out_dir = Path(out_dir)
    settings = settings or default_settings("phase2")
    resolved, seeds = _resolved(phase1, seeds)
    table = experimental_tests("shipped", load_config(resolved.members[seeds[0]]).time_grid_s)
    labs = shipped_tests(included_only=False)["lab"].astype(str).to_numpy()
    lab_of = labs[table.frame["line"].to_numpy() - 2]
    mine = (table.frame["polymer"] == polymer).to_numpy()
    names = sorted(set(lab_of[mine]))
    if len(names) < 2:
        raise EvaluationError(f"Fewer than two laboratories tested {polymer} in these data.")
    report = ProgressReporter(len(seeds) * len(names), progress)
    per_lab: dict[str, dict] = {}
    done = 0
    for seed in seeds:
        for lab in names:
            report(done, f"seed {seed}, lab {lab}")
            path = out_dir / "labs" / f"seed-{seed}" / f"{lab}.json"
            test_rows = np.flatnonzero(mine & (lab_of == lab))
            if not path.is_file():
                train_rows = np.flatnonzero(~(mine & (lab_of == lab)))
                work = path.with_suffix("")
                saved = _run_fold(table, train_rows, test_rows, resolved, seed, settings,
                                  work, cancel)
                write_json(path, saved)
                shutil.rmtree(work, ignore_errors=True)
            saved = read_json(path, "delete it and rerun the same command")
            measured = table.frame.iloc[test_rows][list(TARGETS)].to_numpy(float)
            row = per_lab.setdefault(lab, {"tests": len(test_rows)})
            for method, values in saved["methods"].items():
                predicted = np.asarray(values["scalars"], dtype=float)
                with np.errstate(invalid="ignore", divide="ignore"):
                    rel = np.abs(predicted / measured - 1.0)
                for j, target in enumerate(TARGETS):
                    finite = rel[:, j][np.isfinite(rel[:, j])]
                    row.setdefault(f"{method}_{target}", []).append(
                        float(np.median(finite)) if finite.size else None)
            done += 1
    report(done, "scoring")
    summary: dict[str, float | None] = {}
    for row in per_lab.values():
        for key, values in list(row.items()):
            if isinstance(values, list):
                kept = [v for v in values if v is not None]
                row[key] = float(np.mean(kept)) if kept else None
    for key in {k for row in per_lab.values() for k in row if k != "tests"}:
        values = [row[key] for row in per_lab.values() if row.get(key) is not None]
        summary[key] = float(np.median(values)) if values else None
    result = {"polymer": polymer, "seeds": list(seeds), "labs": per_lab,
              "median_over_labs": dict(sorted(summary.items()))}
    write_json(out_dir / LAB_OUT_JSON, result)
    return result
