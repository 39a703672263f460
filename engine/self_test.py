"""A quick end-to-end check of an installation: does every pillar work here?

`trinity self-test` and the desktop bundle's ``--self-test`` run it. It exercises what a
broken install or a bundle missing a file would break first, with the real code paths
(nothing is mocked): the shipped ONNX model and its calibration, RDKit and group
contribution, the numba cone solver, synthetic generation in worker processes (which a
frozen bundle must be able to spawn), and a tiny phase 1 and phase 2 with torch. Each
check is timed; a failure is one sentence and the run goes on, so one report names every
broken part.
"""

from __future__ import annotations

import math
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Polymers the model check predicts; polyethylene twice, written two ways.
POLYMERS = {"PMMA": "*CC(*)(C)C(=O)OC", "PS": "*CC(*)c1ccccc1", "PE": "*C*",
            "PE written as a tetramer": "*CCCC*"}
#: A 1-layer, 32-wide encoder: phase 1 and 2 take seconds on one core.
TINY_MODEL = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
              "intermediate_size": 64, "head_hidden_size": 32, "num_random_features": 8}


class SelfTestFailure(AssertionError):
    """A check found something wrong; its message is the sentence the user reads."""


@dataclass(frozen=True)
class CheckResult:
    """One check: ``ok``, or skipped (its extra is not installed, and that was allowed)."""

    name: str
    ok: bool
    seconds: float
    detail: str
    skipped: bool = False


Check = Callable[[Path], str]


def check_model(_: Path) -> str:
    """The shipped model predicts finite values inside their intervals, one answer per polymer."""
    import numpy as np

    from engine.predictor import OnnxPredictor, default_model_path

    if not default_model_path().is_file():
        raise SelfTestFailure(f"The shipped model is missing ({default_model_path()}).")
    predictor = OnnxPredictor()
    prediction = predictor.predict(list(POLYMERS.values()), 50.0, 6.0)
    for name in ("phrr_kw_m2", "thr_mj_m2"):
        value = getattr(prediction, name)
        low, high = prediction.bounds(name)
        if not (np.isfinite(value).all() and (low <= value).all() and (value <= high).all()):
            raise SelfTestFailure(f"The shipped model's {name} is not finite inside its "
                                  f"interval: {value} ({low}–{high}).")
    if prediction.phrr_kw_m2[2] != prediction.phrr_kw_m2[3]:
        raise SelfTestFailure("Polyethylene written *C* and *CCCC* got different predictions.")
    return (f"{len(POLYMERS)} polymers, PMMA pHRR {prediction.phrr_kw_m2[0]:.0f} kW/m² "
            f"({prediction.interval or 'interval'})")


def check_cone(_: Path) -> str:
    """Group contribution and the cone solver simulate PMMA at 50 kW/m², 6 mm."""
    from engine.cone.gc_material import cone_material
    from engine.cone.scenario import ConeScenario
    from engine.cone.solver import simulate_one
    from engine.gc.properties import estimate_properties
    from engine.polymer import parse_polymer

    material = cone_material(estimate_properties(parse_polymer(POLYMERS["PMMA"])))
    result = simulate_one(ConeScenario(material=material, heat_flux_kw_m2=50.0,
                                       thickness_mm=6.0))
    metrics = result.metrics
    if not (result.ok and math.isfinite(metrics.tig_s) and metrics.phrr_kw_m2 > 0):
        raise SelfTestFailure("The cone simulation of PMMA did not ignite and burn.")
    return f"PMMA ignites at {metrics.tig_s:.0f} s, pHRR {metrics.phrr_kw_m2:.0f} kW/m²"


def check_synthetic(folder: Path) -> str:
    """Hypothetical polymers → GC → cone, in two worker processes."""
    from engine.synthetic import SyntheticConfig, generate_synthetic

    config = SyntheticConfig(n_polymers=6, seed=1, heat_fluxes_kw_m2=(50.0,),
                             thicknesses_mm=(4.0,), duration_s=300.0, curve_interval_s=10.0,
                             chunk_size=3)
    summary = generate_synthetic(config, folder / "synthetic", workers=2)
    ok = summary.rows_by_status.get("ok", 0)
    if ok < 3:
        raise SelfTestFailure(f"Synthetic generation simulated only {ok} of {summary.rows} "
                              "polymers.")
    return f"{ok} of {summary.rows} simulations in 2 processes"


def check_training(folder: Path) -> str:
    """One epoch of phase 1 on the synthetic set, then one of phase 2 on the shipped tests."""
    if not (folder / "synthetic").is_dir():  # run alone (--check training)
        check_synthetic(folder)
    # torch first: where the ml extra is missing, torch is the module named
    import torch  # noqa: F401
    import transformers

    from engine.training import TrainSettings, train_phase1, train_phase2

    transformers.utils.logging.disable_progress_bar()
    settings = TrainSettings(epochs=1, batch_size=8, learning_rate=1e-3, device="cpu",
                             validation_fraction=0.25)
    phase1 = train_phase1(folder / "synthetic", folder / "phase1", settings=settings,
                          model_overrides=TINY_MODEL)
    phase2 = train_phase2(phase1.out_dir, "shipped", folder / "phase2", settings=settings)
    loss = phase2.fit.history[-1].train_loss
    if not math.isfinite(loss):
        raise SelfTestFailure(f"Phase 2 ended with a training loss of {loss}.")
    return f"phase 1 and phase 2, one epoch each (phase-2 loss {loss:.3f})"


CHECKS: dict[str, Check] = {
    "model": check_model,
    "cone": check_cone,
    "synthetic": check_synthetic,
    "training": check_training,
}


def run_self_test(extra: dict[str, Check] | None = None, *,
                  echo: Callable[[str], None] = print,
                  only: Sequence[str] | None = None,
                  strict: bool = False) -> list[CheckResult]:
    """Run every check (``extra`` ones after the engine's), echoing a line per check.

    A check whose optional part (an extra, e.g. torch for training) is not installed is
    skipped with the sentence naming the extra: a base install that predicts is a good
    install. With ``strict`` (the desktop bundle, which must hold everything) it fails.
    """
    from engine.extras import missing_extra

    checks = {**CHECKS, **(extra or {})}
    names = list(only) if only else list(checks)
    results = []
    with tempfile.TemporaryDirectory(prefix="trinity-self-test-") as tmp:
        for name in names:
            start = time.perf_counter()
            skipped = False
            try:
                detail, ok = checks[name](Path(tmp)), True
            except SelfTestFailure as failure:
                detail, ok = str(failure), False
            except ModuleNotFoundError as error:
                detail = missing_extra(error)
                skipped = detail is not None and not strict
                detail, ok = detail or f"{type(error).__name__}: {error}.", skipped
            except Exception as error:  # a broken install shows as anything
                where = traceback.extract_tb(error.__traceback__)[-1]
                detail = (f"{type(error).__name__}: {error} "
                          f"({Path(where.filename).name}, line {where.lineno})")
                ok = False
            result = CheckResult(name, ok, time.perf_counter() - start, detail, skipped)
            results.append(result)
            status = "skip" if skipped else "ok  " if ok else "FAIL"
            echo(f"{status} {name:10s} {result.seconds:6.1f} s  {detail}")
    failed = [r.name for r in results if not r.ok]
    skipped = [r.name for r in results if r.skipped]
    note = f" (skipped: {', '.join(skipped)})" if skipped else ""
    echo(f"self-test passed{note}" if not failed else f"self-test failed: {', '.join(failed)}")
    return results
