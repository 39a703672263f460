"""What a scientist checks about a design candidate before making it.

For each ranked candidate: the shipped prediction in full (the calibrated interval, the
probability of ignition, the extrapolation flag), the cone model's own numbers before
the calibration's correction, the group-contribution properties it rests on, how new it
is (the nearest polymer with cone tests behind the model, and how alike), and how it
would be built: the family's chemistry and the catalogued monomers of its recipe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.design.space import DesignSpace, Recipe
from engine.design.targets import TARGETS, margins, scores
from engine.onnx_format import HIGH, LOW
from engine.polymer import parse_polymer
from engine.predictor import OnnxPredictor
from engine.similarity import nearest

#: Columns of a design's ``candidates.csv``, in order (``similarity_to_start`` only with
#: a starting polymer).
CANDIDATE_COLUMNS = (
    "rank", "smiles", "family", "synthesis", "meets_targets", "meets_at_interval_bound",
    "pareto", "score",
    *(name + suffix for name in TARGETS for suffix in ("", LOW, HIGH)), "p_ignition",
    *(f"physics_{name}" for name in TARGETS),
    "decomposition_peak_c", "heat_of_combustion_mj_kg", "char_yield",
    "heat_release_capacity_j_gk", "density_kg_m3", "molar_mass_g_mol",
    "nearest_tested", "similarity_to_tested", "similarity_to_start",
    "extrapolation", "interval", "recipe", "screening_score",
)


def describe_candidates(predictor: OnnxPredictor, ranked: pd.DataFrame, config) -> pd.DataFrame:
    """The ranked rows of a search, predicted in full and described, re-ranked by the
    full prediction (meeting every target first, then by score)."""
    from engine.gc.cone_fit import shipped_models
    from engine.physics_informed import physics_of

    smiles = list(ranked["smiles"])
    n = len(smiles)
    prediction = predictor.predict(smiles, config.heat_flux_kw_m2, config.thickness_mm,
                                   backing=config.backing)
    polymers = [parse_polymer(s) for s in smiles]
    models = shipped_models()
    physics, _ = physics_of(polymers, [config.heat_flux_kw_m2] * n,
                            [config.thickness_mm] * n, models, backing=config.backing)
    props = [models.properties(p) for p in polymers]
    values = {t: np.asarray(getattr(prediction, t), float) for t in TARGETS}
    margin = margins(config.targets, values)
    bound = {}
    for target in config.targets:  # the interval's side that is the worse for the target
        low, high = prediction.bounds(target.name)
        bound.setdefault(target.name, {})[target.op] = low if target.maximise else high
    at_bound = np.stack([
        target.met(bound[target.name][target.op]) for target in config.targets], axis=1)
    space = DesignSpace(config.families)
    nearest, alike = _novelty(predictor, polymers)
    frame = pd.DataFrame({
        "smiles": prediction.smiles,
        "family": ranked["family"].to_numpy(),
        "synthesis": [f"{space.description(Recipe.from_key(k))}: {pieces}"
                      for k, pieces in zip(ranked["recipe"], ranked["pieces"], strict=True)],
        "meets_targets": (margin >= 0).all(axis=1),
        "meets_at_interval_bound": at_bound.all(axis=1),
        "pareto": ranked["pareto"].to_numpy(bool) if "pareto" in ranked else False,
        "score": scores(margin),
    })
    for name in TARGETS:
        low, high = prediction.bounds(name)
        frame[name], frame[name + LOW], frame[name + HIGH] = values[name], low, high
    frame["p_ignition"] = prediction.p_ignition
    for name in TARGETS:
        frame[f"physics_{name}"] = physics[name].to_numpy(float)
    frame["decomposition_peak_c"] = [p.decomposition_peak_k - 273.15 for p in props]
    frame["heat_of_combustion_mj_kg"] = [p.heat_of_combustion_j_kg / 1e6 for p in props]
    frame["char_yield"] = [p.char_yield for p in props]
    frame["heat_release_capacity_j_gk"] = [p.heat_release_capacity_j_gk for p in props]
    frame["density_kg_m3"] = [p.density_kg_m3 for p in props]
    frame["molar_mass_g_mol"] = [p.molar_mass_kg_mol * 1000.0 for p in polymers]
    frame["nearest_tested"], frame["similarity_to_tested"] = nearest, alike
    frame["similarity_to_start"] = [config.constraints.similarity_to_near(p) for p in polymers]
    frame["extrapolation"] = list(prediction.extrapolation)
    frame["interval"] = prediction.interval
    frame["recipe"] = ranked["recipe"].to_numpy()
    frame["screening_score"] = ranked["score"].to_numpy(float)
    frame = frame.sort_values(["meets_targets", "score"], ascending=[False, False],
                              kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    if config.constraints.near is None:
        frame = frame.drop(columns="similarity_to_start")
    return frame


def _novelty(predictor: OnnxPredictor, polymers) -> tuple[list[str], list[float]]:
    """The nearest polymer with cone tests behind the model (its calibration's tested
    polymers), and the Tanimoto similarity to it."""
    calibration = predictor.info.calibration
    tested = (calibration.summary.get("tested_polymers") or {}) if calibration else {}
    found = [nearest(p.smiles, tested) for p in polymers]
    return [name for name, _ in found], [alike for _, alike in found]
