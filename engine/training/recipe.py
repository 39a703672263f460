"""The recipe of the model Trinity ships: one call from nothing to an exported ensemble.

Steps, each in its own folder under the recipe's output and each resumable (a rerun
skips what is finished and continues what was interrupted):

1. ``synthetic/``   hypothetical polymers → group contribution → cone model (Parquet);
2. ``phase1/``      phase 1 on that set: one member per seed (``phase1/seed-N``), so
                    the ensemble's members differ in phase 1 as well as phase 2
                    (``phase1_per_seed``), or the first seed's alone;
3. ``evaluation/``  leave-one-polymer-out: physics vs single-phase vs two-phase, every
                    seed, so the shipped model comes with honest held-out errors;
4. ``model/``       phase 2 from the phase-1 model on all the experimental data (no
                    polymer held back), one member per seed, for the median best epoch
                    of the evaluation's two-phase folds (`phase2_settings`);
5. ``model/recipe.json`` and ``model/evaluation.json``: what was done, with which data,
   code and versions, and how well the method did on held-out polymers;
6. ``default.onnx`` the ensemble exported for the predictor (when ONNX export is
   available), which is what ``resources/models/`` ships;
7. its calibration (`engine.physics_informed.build_calibration`): per target, whichever
   of the physics, the physics-informed correction and the learnt ensemble did best on
   held-out polymers predicts it, with the interval its held-out errors give
   (``calibration/`` holds the report and parity plots).

Phase 1 never sees experimental data, so every evaluation fold of seed N and the
shipped member N start from phase-1 member N.
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from engine import __version__
from engine.jobs import CancelToken, Progress, ProgressCallback
from engine.synthetic import SyntheticConfig, generate_synthetic

from .loop import TrainSettings
from .model_dir import git_commit, read_json, versions, write_json
from .phases import default_settings, train_ensemble, train_phase1

RECIPE_JSON = "recipe.json"
STEPS = ("generate", "phase 1", "evaluate", "phase 2", "record", "export", "calibrate")

#: The shipped model's recipe. Phase 1 runs 3 epochs over 20 000 polymers (120 000
#: simulated tests, about half an hour on a 2-core CPU) rather than the phase's 6 over a
#: smaller set: more distinct polymers taught phase 1 more per hour in the reduced
#: evaluations (benchmarks/results/evaluation*.json).
SHIPPED_POLYMERS = 20_000
SHIPPED_PHASE1_EPOCHS = 3
SHIPPED_SEEDS = (0, 1, 2)
#: Conditions per synthetic polymer, drawn over 10–100 kW/m² and 1–50 mm (as many
#: simulations as the former 3 × 2 grid), each with a plausible material drawn around
#: the GC estimate.
SHIPPED_DRAWS = 6
SHIPPED_NAME = "trinity-default"


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the shipped model; saved beside it."""

    synthetic: SyntheticConfig = field(
        default_factory=lambda: SyntheticConfig(
            n_polymers=SHIPPED_POLYMERS, draws_per_polymer=SHIPPED_DRAWS, vary_physics=True)
    )
    seeds: tuple[int, ...] = SHIPPED_SEEDS
    size: str = "small"
    init: str | None = None
    phase1: TrainSettings = field(
        default_factory=lambda: default_settings("phase1", epochs=SHIPPED_PHASE1_EPOCHS)
    )
    phase2: TrainSettings = field(default_factory=lambda: default_settings("phase2"))
    data: str = "shipped"
    evaluate: bool = True
    model_overrides: dict = field(default_factory=dict)
    phase1_per_seed: bool = True

    def __post_init__(self) -> None:
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError("The recipe needs one or more different seeds.")

    def to_json(self) -> dict:
        record = asdict(self)
        record["seeds"] = list(self.seeds)
        return record


@dataclass(frozen=True)
class RecipeResult:
    """Where each product of the recipe is, and how long each step took this time."""

    out_dir: Path
    model_dir: Path
    onnx_path: Path | None
    evaluation_dir: Path | None
    step_seconds: dict[str, float]


def _step_progress(
    index: int, name: str, progress: ProgressCallback | None, start: float
) -> Callable[[Progress], None] | None:
    """Pass a step's own reports on (their kind, counts and losses kept) with the message
    prefixed ``step k/6 <name>:`` and the time counted from the recipe's start."""
    if progress is None:
        return None

    def report(p: Progress) -> None:
        progress(replace(p, message=f"step {index + 1}/{len(STEPS)} {name}: {p.message}",
                         elapsed_s=time.perf_counter() - start))

    return report


def onnx_export_available() -> bool:
    return importlib.util.find_spec("engine.onnx_export") is not None


def build_default_model(
    out_dir: str | Path,
    recipe: Recipe | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RecipeResult:
    """Run (or resume) every step of ``recipe`` into ``out_dir``."""
    recipe = recipe or Recipe()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    seconds: dict[str, float] = {}

    def step(index: int, run: Callable[[ProgressCallback | None], object]) -> None:
        cancel.raise_if_cancelled()
        began = time.perf_counter()
        run(_step_progress(index, STEPS[index], progress, start))
        seconds[STEPS[index]] = time.perf_counter() - began

    synthetic, phase1, evaluation, model = (
        out / "synthetic", out / "phase1", out / "evaluation", out / "model"
    )
    step(0, lambda p: generate_synthetic(recipe.synthetic, synthetic, progress=p, cancel=cancel))
    if recipe.phase1_per_seed:
        step(1, lambda p: train_ensemble(
            "phase1", list(recipe.seeds), phase1, settings=recipe.phase1, data=synthetic,
            size=recipe.size, init=recipe.init, model_overrides=recipe.model_overrides,
            progress=p, cancel=cancel,
        ))
    else:
        step(1, lambda p: train_phase1(
            synthetic, phase1, size=recipe.size, init=recipe.init,
            settings=replace(recipe.phase1, seed=recipe.seeds[0]),
            model_overrides=recipe.model_overrides, progress=p, cancel=cancel,
        ))
    if recipe.evaluate:
        from .evaluate import evaluate

        step(2, lambda p: evaluate(
            phase1, evaluation, data=recipe.data, seeds=list(recipe.seeds),
            settings=recipe.phase2, progress=p, cancel=cancel,
        ))
    final = phase2_settings(recipe, evaluation if recipe.evaluate else None)
    step(3, lambda p: train_ensemble(
        "phase2", list(recipe.seeds), model, settings=final, init=phase1,
        data=recipe.data, progress=p, cancel=cancel,
    ))
    step(4, lambda p: _record(out, recipe, evaluation if recipe.evaluate else None, seconds,
                              final))
    onnx_path = None
    if onnx_export_available():
        from engine.onnx_export import export_onnx

        onnx_path = out / "default.onnx"
        step(5, lambda p: export_onnx(model, onnx_path, name=SHIPPED_NAME, progress=p,
                                      cancel=cancel))
        step(6, lambda p: _calibrate(onnx_path, recipe, evaluation if recipe.evaluate else None,
                                     out / "calibration"))
    return RecipeResult(
        out_dir=out,
        model_dir=model,
        onnx_path=onnx_path,
        evaluation_dir=evaluation if recipe.evaluate else None,
        step_seconds=seconds,
    )


def phase2_settings(recipe: Recipe, evaluation: Path | None) -> TrainSettings:
    """The shipped phase 2: every experimental polymer (no polymer held back for early
    stopping), for the median number of epochs at which the evaluation's two-phase fold
    models did best on their own held-back polymers. Without an evaluation, the
    recipe's settings as they are."""
    import json
    import statistics

    if evaluation is None:
        return recipe.phase2
    epochs = []
    for path in sorted((evaluation / "folds").glob("seed-*/fold-*.json")):
        method = json.loads(path.read_text()).get("methods", {}).get("two_phase", {})
        if isinstance(method.get("best_epoch"), int):
            epochs.append(method["best_epoch"])
    if not epochs:
        return recipe.phase2
    return replace(recipe.phase2, epochs=max(1, round(statistics.median(epochs))),
                   validation_fraction=0.0)


def _record(out: Path, recipe: Recipe, evaluation: Path | None,
            seconds: dict[str, float], final: TrainSettings | None = None) -> None:
    """Write the recipe, its provenance and the held-out scores into the model folder."""
    model = out / "model"
    record = {
        "recipe": recipe.to_json(),
        "phase2_as_trained": asdict(final) if final is not None else None,
        "trinity_version": __version__,
        "versions": versions(),
        "git": git_commit(),
        "synthetic": {
            "folder": "synthetic",
            "polymers": recipe.synthetic.n_polymers,
            "seed": recipe.synthetic.seed,
        },
        "experimental_data": recipe.data,
        "step_seconds_last_run": seconds,
    }
    if evaluation is not None:
        report = read_json(evaluation / "evaluation.json")
        write_json(model / "evaluation.json", report)
        record["evaluation"] = {
            "what": "leave-one-polymer-out on the experimental data, same folds and seeds "
            "for every method; the shipped model is trained on all of it",
            "tests": report["tests"],
            "polymers": report["polymers"],
            "seeds": report["seeds"],
            "scores": report["scores"],
            "improvement_two_phase_over_single": report["improvement_two_phase_over_single"],
        }
    write_json(model / RECIPE_JSON, record)


def _calibrate(onnx_path: Path, recipe: Recipe, evaluation: Path | None, report: Path) -> None:
    """Choose each target's method on held-out polymers and write the calibration into
    the exported file (and the report beside it)."""
    import pandas as pd

    from engine.onnx_calibration import attach_calibration
    from engine.outputs import write_csv
    from engine.physics_informed import (
        build_calibration,
        evaluate_physics_informed,
        evaluation_tests,
        held_out_table,
        learnt_predictions,
        write_parity_plots,
    )

    held_out = evaluate_physics_informed(evaluation_tests(recipe.data))
    learnt = None
    if evaluation is not None and (evaluation / "predictions.csv").is_file():
        learnt = learnt_predictions(held_out.tests, pd.read_csv(evaluation / "predictions.csv"))
    calibration = build_calibration(held_out.tests, evaluation=held_out, learnt=learnt)
    report.mkdir(parents=True, exist_ok=True)
    table = held_out_table(held_out, calibration, learnt)
    write_csv(table, report / "predictions.csv")
    write_json(report / "evaluation.json", {"methods": calibration.methods,
                                            **calibration.to_json()["summary"]})
    with contextlib.suppress(RuntimeError):  # matplotlib is optional; numbers are in the JSON
        write_parity_plots(table, calibration, report)
    attach_calibration(onnx_path, onnx_path, calibration)
